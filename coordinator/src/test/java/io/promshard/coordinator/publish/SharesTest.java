package io.promshard.coordinator.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.inventory.Inventory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Shares: built through the inventory index, worker by worker, and updated incrementally, they equal the reference. */
class SharesTest {

    private static Inventory inventory(Random random) {
        Map<String, List<TargetGroup>> jobs = new HashMap<>();
        for (String job : List.of("node", "blackbox", "api")) {
            List<TargetGroup> groups = new ArrayList<>();
            for (int g = 0; g < 20; g++) {
                List<String> addresses = new ArrayList<>();
                for (int t = 0; t < 50; t++) {
                    addresses.add("10." + g + "." + random.nextInt(4) + "." + t + ":" + (9100 + random.nextInt(3)));
                }
                // groups 0 and 10 share a label set: a share merges them
                Map<String, String> labels = g % 3 == 0 ? Map.of("__metrics_path__", "/probe", "g", "" + g % 10)
                        : Map.of("g", "" + g);
                // "api" lists its groups' addresses sorted (the index ranks them in place), the others do not
                List<String> listed = job.equals("api") ? addresses.stream().distinct().sorted().toList()
                        : addresses.stream().distinct().toList();
                groups.add(TargetGroup.of(listed, labels));
            }
            jobs.put(job, groups);
        }
        return new Inventory(jobs);
    }

    /** The plain definition: walk the inventory, give each target to its owners and keepers, then canonical form. */
    private static SortedMap<String, Share> reference(Inventory inventory, Assignment a, List<String> workers,
                                                             Map<String, List<String>> handoff) {
        Map<String, Map<String, List<TargetGroup>>> owned = new HashMap<>();
        Map<String, Map<String, List<TargetGroup>>> kept = new HashMap<>();
        inventory.jobs().forEach((job, groups) -> {
            for (TargetGroup g : groups) {
                for (String address : g.targets()) {
                    String key = io.promshard.client.api.Target.key(job, address, g.labels().get("__metrics_path__"));
                    for (String o : a.owners(key)) {
                        owned.computeIfAbsent(o, x -> new TreeMap<>()).computeIfAbsent(job, x -> new ArrayList<>())
                                .add(g.withTargets(List.of(address)));
                    }
                    for (String k : handoff.getOrDefault(key, List.of())) {
                        kept.computeIfAbsent(k, x -> new TreeMap<>()).computeIfAbsent(job, x -> new ArrayList<>())
                                .add(g.withTargets(List.of(address)));
                    }
                }
            }
        });
        SortedMap<String, Share> out = new TreeMap<>();
        for (String w : workers) {
            out.put(w, new Share(Share.FORMAT, w, new TreeMap<>(owned.getOrDefault(w, Map.of())),
                    new TreeMap<>(kept.getOrDefault(w, Map.of()))).canonical());
        }
        return out;
    }

    @Test
    void theIndexedBuildEqualsTheReferenceAndIsCanonical() {
        long seed = 42;
        System.out.println("SharesTest seed " + seed);
        Random random = new Random(seed);
        Inventory inventory = inventory(random);
        TargetSet set = TargetSet.of(inventory.keys());
        List<Member> members = new ArrayList<>();
        for (int w = 0; w < 7; w++) {
            members.add(new Member("w" + w, 1 + w % 2));
        }
        Assignment a = new AssignmentEngine().assign(set, members, null);
        List<String> workers = members.stream().map(Member::id).toList();
        Shares.Index indexed = Shares.Index.of(inventory, set, set.indexesOf(inventory.keys()));
        SortedMap<String, Share> built = Shares.build(indexed, a, workers, Map.of());
        assertEquals(reference(inventory, a, workers, Map.of()), built);
        assertEquals(built, Shares.build(inventory, a, workers));
        assertTrue(built.values().stream().allMatch(Share::formIsCanonical));

        Map<String, List<String>> handoff = new HashMap<>();
        for (int i = 0; i < inventory.keys().size(); i += 17) {
            handoff.put(inventory.keys().get(i), List.of("w" + (i % 7)));
        }
        SortedMap<String, Share> withHandoff = Shares.build(indexed, a, workers, handoff);
        assertEquals(reference(inventory, a, workers, handoff), withHandoff);
        assertFalse(withHandoff.values().stream().allMatch(p -> p.handoff().isEmpty()));
        assertTrue(withHandoff.values().stream().allMatch(Share::formIsCanonical),
                "built shares are known canonical unchecked: their form must be");
        assertEquals(withHandoff.get("w3"), Shares.build(indexed, a, List.of("w3"), handoff).get("w3"));
    }

    @Test
    void anIncrementalUpdateEqualsAFullBuildThroughJoinsLeavesAndHandOffs() {
        long seed = Long.getLong("promshard.seed", System.nanoTime());
        System.out.println("SharesTest incremental seed " + seed);
        Random random = new Random(seed);
        Inventory inventory = inventory(random);
        TargetSet set = TargetSet.of(inventory.keys());
        Shares.Index index = Shares.Index.of(inventory, set, null);
        AssignmentEngine engine = new AssignmentEngine();
        List<Member> members = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            members.add(new Member("w" + w, 1));
        }
        Assignment before = engine.assign(set, members, null);
        List<String> ids = members.stream().map(Member::id).toList();
        Map<String, List<String>> handoff = Map.of();
        SortedMap<String, Share> shares = Shares.build(index, before, ids, handoff);
        for (int step = 0; step < 12; step++) {
            if (random.nextBoolean() || members.size() < 3) {
                members.add(new Member("j" + step, 1 + random.nextInt(2)));
            } else {
                members.remove(random.nextInt(members.size()));
            }
            Assignment after = engine.assign(set, members, before);
            Map<String, List<String>> nextHandoff = new HashMap<>();
            java.util.Set<String> changed = new java.util.HashSet<>();
            after.forEachChange(before, (i, key, was, is) -> {
                changed.addAll(was);
                changed.addAll(is);
                List<String> keepers = was.stream().filter(w -> !is.contains(w)).toList();
                if (random.nextInt(3) > 0 && !keepers.isEmpty()) {
                    nextHandoff.put(key, keepers);
                }
            });
            for (String key : union(handoff.keySet(), nextHandoff.keySet())) {
                if (!handoff.getOrDefault(key, List.of()).equals(nextHandoff.getOrDefault(key, List.of()))) {
                    changed.addAll(handoff.getOrDefault(key, List.of()));
                    changed.addAll(nextHandoff.getOrDefault(key, List.of()));
                }
            }
            List<String> owners = members.stream().map(Member::id).sorted().toList();
            SortedMap<String, Share> updated = Shares.update(index, after, owners, nextHandoff, shares, changed);
            assertEquals(Shares.build(index, after, owners, nextHandoff), updated, "step " + step + ", seed " + seed);
            assertEquals(reference(inventory, after, owners, nextHandoff), updated, "step " + step + ", seed " + seed);
            int kept = 0;
            for (String w : owners) {
                kept += updated.get(w) == shares.get(w) ? 1 : 0;
            }
            SortedMap<String, Share> previous = shares;
            assertEquals(owners.stream().filter(w -> !changed.contains(w) && previous.containsKey(w)).count(), kept,
                    "workers outside the change keep their share instances");
            shares = updated;
            handoff = nextHandoff;
            before = after;
        }
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> out = new java.util.HashSet<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void forEachChangeReportsExactlyTheTargetsWhoseOwnersDiffer() {
        long seed = 7;
        System.out.println("SharesTest seed " + seed);
        Random random = new Random(seed);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            keys.add("job\u000010.0." + (i / 250) + "." + (i % 250) + ":9100");
        }
        TargetSet set = TargetSet.of(keys);
        AssignmentEngine engine = new AssignmentEngine();
        List<Member> ten = new ArrayList<>();
        for (int w = 0; w < 10; w++) {
            ten.add(new Member("w" + w, 1));
        }
        Assignment before = engine.assign(set, ten, null);
        List<Member> changed = new ArrayList<>(ten.subList(0, 9));
        changed.add(Member.of("w9", 1).asDraining()); // drained
        changed.add(new Member("w" + (10 + random.nextInt(5)), 2)); // a joiner
        Assignment after = engine.assign(set, changed, before);
        Map<String, List<String>> reported = new HashMap<>();
        after.forEachChange(before, (i, key, was, is) -> reported.put(key, is));
        int expected = 0;
        for (String key : keys) {
            if (!new java.util.HashSet<>(before.owners(key)).equals(new java.util.HashSet<>(after.owners(key)))) {
                expected++;
                assertEquals(after.owners(key), reported.get(key), key);
            }
        }
        assertEquals(expected, reported.size());
        assertEquals(after.movedFrom(before).count(), reported.size()); // R = 1: one placement per changed target
    }

    /**
     * A target listed again with other labels is another scrape for Prometheus: its owner gets every
     * label set, while the target is assigned (and counted) once; listed again with the same labels it
     * is the same scrape, written once.
     */
    @Test
    void aTargetListedAgainWithOtherLabelsReachesItsOwnerWithEveryLabelSet() {
        Inventory inventory = new Inventory(Map.of("node", List.of(
                TargetGroup.of(List.of("a:1", "b:1"), Map.of("role", "web")),
                TargetGroup.of(List.of("a:1"), Map.of("role", "db")),
                TargetGroup.of(List.of("a:1"), Map.of("role", "web")))));
        assertEquals(2, inventory.targetCount(), "a:1 is one target to assign");
        assertEquals(List.of(TargetGroup.of(List.of("a:1"), Map.of("role", "db"))), inventory.repeats().get("node"));
        Assignment a = new AssignmentEngine().assign(TargetSet.of(inventory.keys()), List.of(new Member("w1", 1)), null);
        Share share = Shares.build(inventory, a, List.of("w1")).get("w1");
        assertEquals(List.of(TargetGroup.of(List.of("a:1"), Map.of("role", "db")),
                TargetGroup.of(List.of("a:1", "b:1"), Map.of("role", "web"))), share.jobs().get("node"));
    }
}
