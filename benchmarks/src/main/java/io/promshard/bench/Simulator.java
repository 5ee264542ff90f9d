package io.promshard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.AssignmentInvariants;
import io.promshard.coordinator.assign.AssignmentSettings;
import io.promshard.coordinator.assign.EngineFixtures;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.inventory.FileSdParser;
import io.promshard.coordinator.inventory.InventoryException;
import io.promshard.client.api.Target;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One scenario: a full assignment of the targets to M workers, then one event (a join, a leave or a
 * drain) assigned incrementally; promshard's balance, movement and cost beside the hashmod recipe's
 * on the same targets, as one JSON object.
 */
final class Simulator {

    private Simulator() {
    }

    record Options(int targets, int workers, String event, String weights, int replication, long seed,
                   Path targetsFile) {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        List<String> keys;
        try {
            o = parse(args);
            keys = o.targetsFile() == null ? EngineFixtures.keys("node", o.targets()) : readKeys(o.targetsFile());
        } catch (IllegalArgumentException | InventoryException e) {
            err.println("simulate: " + e.getMessage());
            return 2;
        }
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(simulate(o, keys)));
            return 0;
        } catch (Exception e) {
            err.println("simulate: " + e);
            return 1;
        }
    }

    static Options parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value at \"" + args[i] + "\"");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        for (String k : m.keySet()) {
            if (!List.of("targets", "workers", "event", "weights", "replication", "seed", "targets-file").contains(k)) {
                throw new IllegalArgumentException("unknown option --" + k);
            }
        }
        String event = m.getOrDefault("event", "join");
        if (!List.of("join", "leave", "drain").contains(event)) {
            throw new IllegalArgumentException("--event must be join, leave or drain, was " + event);
        }
        String weights = m.getOrDefault("weights", "uniform");
        if (!List.of("uniform", "pareto").contains(weights)) {
            throw new IllegalArgumentException("--weights must be uniform or pareto, was " + weights);
        }
        int workers = positive(m, "workers", 10);
        if (workers < 2 && !event.equals("join")) {
            throw new IllegalArgumentException("--workers must be >= 2 for a " + event);
        }
        return new Options(positive(m, "targets", 10_000), workers, event, weights, positive(m, "replication", 1),
                Long.parseLong(m.getOrDefault("seed", "1")),
                m.containsKey("targets-file") ? Path.of(m.get("targets-file")) : null);
    }

    private static int positive(Map<String, String> m, String key, int dflt) {
        try {
            int v = Integer.parseInt(m.getOrDefault(key, Integer.toString(dflt)));
            if (v < 1) {
                throw new IllegalArgumentException("--" + key + " must be >= 1, was " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a whole number, was " + m.get(key));
        }
    }

    private static List<String> readKeys(Path file) throws InventoryException {
        List<String> keys = new ArrayList<>();
        for (TargetGroup g : new FileSdParser(Long.MAX_VALUE).parse(file)) {
            for (String t : g.targets()) {
                keys.add(Target.key("file", t, g.labels().get("__metrics_path__")));
            }
        }
        return keys;
    }

    static Map<String, Object> simulate(Options o, List<String> keys) {
        Random random = new Random(o.seed());
        long baseline = usedHeapAfterGc();
        TargetSet.Builder builder = TargetSet.builder(keys.size());
        for (String k : keys) {
            builder.add(k, o.weights().equals("pareto") ? EngineFixtures.pareto(random, 1.2, 1000) : 1, null);
        }
        TargetSet set = builder.build();
        List<Member> before = EngineFixtures.members(o.workers());
        AssignmentEngine engine = new AssignmentEngine(new AssignmentSettings(o.replication(), 0.05));

        long t0 = System.nanoTime();
        Assignment full = engine.assign(set, before, null);
        double fullMs = (System.nanoTime() - t0) / 1e6;
        double heapMb = (usedHeapAfterGc() - baseline) / 1048576.0;

        List<Member> after = new ArrayList<>(before);
        String changed;
        switch (o.event()) {
            case "join" -> {
                changed = "joiner";
                after.add(new Member(changed, 1));
            }
            case "leave" -> {
                changed = before.get(random.nextInt(before.size())).id();
                after.removeIf(m -> m.id().equals(changed));
            }
            default -> {
                changed = before.get(random.nextInt(before.size())).id();
                after.replaceAll(m -> m.id().equals(changed) ? Member.of(m.id(), 1).asDraining() : m);
            }
        }
        long t1 = System.nanoTime();
        Assignment next = engine.assign(set, after, full);
        double eventMs = (System.nanoTime() - t1) / 1e6;
        AssignmentInvariants.check(next, after);

        double total = set.totalWeight() * Math.min(o.replication(), o.workers());
        double moved = next.movedFrom(full).weight();
        double minimum = o.event().equals("join") ? total / after.size()
                : full.weightByWorker().getOrDefault(changed, 0.0);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("targets", set.size());
        result.put("workers", o.workers());
        result.put("event", o.event());
        result.put("weights", o.weights());
        result.put("replication", o.replication());
        result.put("seed", o.seed());
        result.put("balance_count", round(AssignmentInvariants.balance(next, after, false)));
        result.put("balance_weight", round(AssignmentInvariants.balance(next, after, true)));
        int eligibleAfter = (int) after.stream().filter(m -> !m.draining()).count();
        result.put("balance_weight_lower_bound", round(Math.max(1, set.maxWeight() / (total / eligibleAfter))));
        result.put("moved_fraction", round(moved / total));
        result.put("minimum_fraction", round(minimum / total));
        result.put("ratio_to_minimum", round(minimum == 0 ? 0 : moved / minimum));
        result.put("compute_ms", round(eventMs));
        result.put("full_compute_ms", round(fullMs));
        result.put("heap_mb", round(heapMb));
        result.put("under_replicated", next.underReplicated().size());
        result.put("hashmod", hashmod(set, o, random, changed, before));
        return result;
    }

    /** The same scenario under the hashmod recipe: shard i is worker i; a leave or drain renumbers the rest. */
    private static Map<String, Object> hashmod(TargetSet set, Options o, Random random, String changed,
                                               List<Member> before) {
        Hashmod h = new Hashmod();
        int n = o.workers();
        int m = o.event().equals("join") ? n + 1 : n - 1;
        long t0 = System.nanoTime();
        int[] shardBefore = new int[set.size()];
        int[] shardAfter = new int[set.size()];
        double[] countAfter = new double[m];
        double[] weightAfter = new double[m];
        double[] weightBefore = new double[n];
        int removed = indexOf(before, changed);
        double moved = 0;
        for (int i = 0; i < set.size(); i++) {
            String address = set.key(i).substring(set.key(i).indexOf('\u0000') + 1);
            int slash = address.indexOf('\u0000');
            String value = slash < 0 ? address : address.substring(0, slash);
            shardBefore[i] = h.shard(value, n);
            shardAfter[i] = h.shard(value, m);
            weightBefore[shardBefore[i]] += set.weight(i);
            countAfter[shardAfter[i]]++;
            weightAfter[shardAfter[i]] += set.weight(i);
            // shard j after a leave is the server that was j, or j + 1 once past the removed one
            int serverAfter = o.event().equals("join") || shardAfter[i] < removed ? shardAfter[i] : shardAfter[i] + 1;
            if (serverAfter != shardBefore[i]) {
                moved += set.weight(i);
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        double total = set.totalWeight();
        double minimum = o.event().equals("join") ? total / m : weightBefore[removed];
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("balance_count", round(max(countAfter) / (set.size() / (double) m)));
        r.put("balance_weight", round(max(weightAfter) / (total / m)));
        r.put("moved_fraction", round(moved / total));
        r.put("minimum_fraction", round(minimum / total));
        r.put("ratio_to_minimum", round(moved / minimum));
        r.put("compute_ms", round(ms));
        r.put("heap_mb", round(8.0 * set.size() / 1048576.0));
        r.put("replication", 1);
        return r;
    }

    private static int indexOf(List<Member> members, String id) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).id().equals(id)) {
                return i;
            }
        }
        return members.size();
    }

    private static double max(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
