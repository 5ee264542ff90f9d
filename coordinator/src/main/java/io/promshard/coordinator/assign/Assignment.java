package io.promshard.coordinator.assign;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The outcome of one engine run: up to R owners per target of its {@link TargetSet}, by worker id.
 * Immutable; array-backed so that a million targets cost a few bytes each. It is also the
 * "previous" input of the next run, which keeps the assignment sticky.
 */
public final class Assignment {

    final TargetSet targets;
    final int replication;
    /** Worker ids, sorted (binary-searchable). */
    final String[] workers;
    /** owners[i * replication + r]: index into {@link #workers}, or -1. */
    final int[] owners;
    final PreferenceTable table;
    private final List<String> underReplicated;
    /** Lazily, each worker's targets (see {@link #byWorker()}); racy but idempotent. */
    private volatile int[][] targetLists;

    Assignment(TargetSet targets, int replication, String[] workers, int[] owners, PreferenceTable table,
               List<String> underReplicated) {
        this.targets = targets;
        this.replication = replication;
        this.workers = workers;
        this.owners = owners;
        this.table = table;
        this.underReplicated = List.copyOf(underReplicated);
    }

    public static Assignment empty() {
        return new Assignment(TargetSet.of(List.of()), 1, new String[0], new int[0], null, List.of());
    }

    /**
     * An assignment read back from published state: each key's owners as listed, among
     * {@code workers} (which may include workers owning nothing).
     */
    public static Assignment of(Map<String, List<String>> owners, Collection<String> members, int replication) {
        TargetSet set = TargetSet.of(owners.keySet());
        TreeMap<String, Integer> ids = new TreeMap<>();
        members.forEach(w -> ids.put(w, 0));
        owners.values().forEach(list -> list.forEach(w -> ids.putIfAbsent(w, 0)));
        String[] workers = ids.keySet().toArray(new String[0]);
        for (int w = 0; w < workers.length; w++) {
            ids.put(workers[w], w);
        }
        int[] o = new int[set.size() * replication];
        Arrays.fill(o, -1);
        for (int i = 0; i < set.size(); i++) {
            List<String> list = owners.get(set.key(i));
            for (int r = 0; r < Math.min(replication, list.size()); r++) {
                o[i * replication + r] = ids.get(list.get(r));
            }
        }
        return new Assignment(set, replication, workers, o, null, List.of());
    }

    public TargetSet targets() {
        return targets;
    }

    public int replication() {
        return replication;
    }

    /** Owners of target {@code i} of {@link #targets()}, best first. */
    public List<String> owners(int i) {
        List<String> out = new ArrayList<>(replication);
        for (int r = 0; r < replication; r++) {
            int w = owners[i * replication + r];
            if (w >= 0) {
                out.add(workers[w]);
            }
        }
        return out;
    }

    /** Owners of {@code key}, empty when it is not in the set or has none. */
    public List<String> owners(String key) {
        int i = targets.indexOf(key);
        return i < 0 ? List.of() : owners(i);
    }

    /** Every target's owners, by key. */
    public Map<String, List<String>> ownersByKey() {
        Map<String, List<String>> out = new HashMap<>(targets.size() * 2);
        for (int i = 0; i < targets.size(); i++) {
            out.put(targets.key(i), owners(i));
        }
        return out;
    }

    /**
     * The targets (indexes into {@link #targets()}, ascending) each of {@code ids} owns; an id that
     * owns nothing or is unknown maps to an empty array. One pass over the owners.
     */
    public Map<String, int[]> targetsOf(Collection<String> ids) {
        int[][] lists = byWorker();
        Map<String, int[]> out = new HashMap<>();
        for (String id : ids) {
            int w = Arrays.binarySearch(workers, id);
            out.put(id, w < 0 ? new int[0] : lists[w]);
        }
        return out;
    }

    /**
     * Every worker's targets, ascending: one pass over the owners, made once per assignment (an
     * assignment stays in force for many runs: acknowledgements, hand-offs ending) and kept with it.
     * The arrays are shared: callers must not change them.
     */
    private int[][] byWorker() {
        int[][] lists = targetLists;
        if (lists == null) {
            lists = listsByWorker(owners, replication, workers.length);
            targetLists = lists;
        }
        return lists;
    }

    /**
     * For each of {@code workers} worker indexes, the targets it owns in {@code owners} (slot
     * {@code x} is replica {@code x % replication} of target {@code x / replication}), ascending.
     * Shared by assignments and the engine's run, which lists its owners as they stand.
     */
    static int[][] listsByWorker(int[] owners, int replication, int workers) {
        int[] count = new int[workers];
        for (int w : owners) {
            if (w >= 0) {
                count[w]++;
            }
        }
        int[][] lists = new int[workers][];
        for (int w = 0; w < workers; w++) {
            lists[w] = new int[count[w]];
            count[w] = 0;
        }
        for (int x = 0; x < owners.length; x++) {
            int w = owners[x];
            if (w >= 0) {
                lists[w][count[w]++] = x / replication;
            }
        }
        return lists;
    }

    /** The first owner of {@code key}, or null. */
    public String owner(String key) {
        List<String> o = owners(key);
        return o.isEmpty() ? null : o.get(0);
    }

    /** Keys with fewer than R owners: nowhere to put them (no eligible worker with room, or a pin no one meets). */
    public List<String> underReplicated() {
        return underReplicated;
    }

    /** Targets (replicas counted) per worker id, including workers that own nothing when they were members. */
    public Map<String, Integer> countByWorker() {
        int[] c = new int[workers.length];
        for (int w : owners) {
            if (w >= 0) {
                c[w]++;
            }
        }
        Map<String, Integer> out = new TreeMap<>();
        for (int w = 0; w < workers.length; w++) {
            out.put(workers[w], c[w]);
        }
        return out;
    }

    /** Summed target weight (replicas counted) per worker id. */
    public Map<String, Double> weightByWorker() {
        double[] c = new double[workers.length];
        for (int i = 0; i < owners.length; i++) {
            if (owners[i] >= 0) {
                c[owners[i]] += targets.weights[i / replication];
            }
        }
        Map<String, Double> out = new TreeMap<>();
        for (int w = 0; w < workers.length; w++) {
            out.put(workers[w], c[w]);
        }
        return out;
    }

    /** Movement from {@code previous}: placements this assignment added to targets present in both. */
    public Movement movedFrom(Assignment previous) {
        Map<String, Integer> prevIds = new HashMap<>();
        for (int w = 0; w < previous.workers.length; w++) {
            prevIds.put(previous.workers[w], w);
        }
        int[] toPrev = new int[workers.length];
        for (int w = 0; w < workers.length; w++) {
            toPrev[w] = prevIds.getOrDefault(workers[w], -1);
        }
        long count = 0;
        double weight = 0;
        if (previous == this) {
            return new Movement(0, 0);
        }
        int[] match = matchIn(previous);
        for (int i = 0; i < targets.size(); i++) {
            int j = match == null ? i : match[i];
            if (j < 0) {
                continue;
            }
            for (int r = 0; r < replication; r++) {
                int w = owners[i * replication + r];
                if (w < 0) {
                    continue;
                }
                boolean had = false;
                for (int pr = 0; pr < previous.replication && !had; pr++) {
                    int pw = previous.owners[j * previous.replication + pr];
                    had = pw >= 0 && pw == toPrev[w];
                }
                if (!had) {
                    count++;
                    weight += targets.weights[i];
                }
            }
        }
        return new Movement(count, weight);
    }

    /** Receives a target whose owners differ between two assignments. */
    @FunctionalInterface
    public interface ChangeConsumer {
        /** @param before owners in the previous assignment; @param after owners in this one */
        void accept(int index, String key, List<String> before, List<String> after);
    }

    /**
     * Calls {@code consumer} for every target of this assignment that is also in {@code previous}
     * and whose owner set differs (order ignored), in this assignment's target order.
     */
    public void forEachChange(Assignment previous, ChangeConsumer consumer) {
        if (previous == this) {
            return;
        }
        int[] match = matchIn(previous);
        int[] toPrev = workerMap(previous);
        for (int i = 0; i < targets.size(); i++) {
            int j = match == null ? i : match[i];
            if (j < 0 || sameOwners(i, previous, j, toPrev)) {
                continue;
            }
            List<String> before = previous.owners(j);
            List<String> after = owners(i);
            if (before.size() != after.size() || !after.containsAll(before)) {
                consumer.accept(i, targets.keys[i], before, after);
            }
        }
    }

    /** For each worker index of this assignment, the index of the same id in {@code previous}, or -1. */
    private int[] workerMap(Assignment previous) {
        int[] toPrev = new int[workers.length];
        if (Arrays.equals(workers, previous.workers)) {
            for (int w = 0; w < workers.length; w++) {
                toPrev[w] = w;
            }
            return toPrev;
        }
        Map<String, Integer> prevIds = new HashMap<>();
        for (int w = 0; w < previous.workers.length; w++) {
            prevIds.put(previous.workers[w], w);
        }
        for (int w = 0; w < workers.length; w++) {
            toPrev[w] = prevIds.getOrDefault(workers[w], -1);
        }
        return toPrev;
    }

    /** Whether target i here and target j of {@code previous} have the same owner set (a cheap check, no allocation). */
    private boolean sameOwners(int i, Assignment previous, int j, int[] toPrev) {
        int mine = 0;
        for (int r = 0; r < replication; r++) {
            int w = owners[i * replication + r];
            if (w < 0) {
                continue;
            }
            mine++;
            int pw = toPrev[w];
            boolean found = false;
            for (int pr = 0; pr < previous.replication && !found; pr++) {
                found = pw >= 0 && previous.owners[j * previous.replication + pr] == pw;
            }
            if (!found) {
                return false;
            }
        }
        int theirs = 0;
        for (int pr = 0; pr < previous.replication; pr++) {
            theirs += previous.owners[j * previous.replication + pr] >= 0 ? 1 : 0;
        }
        return mine == theirs;
    }

    /**
     * This assignment with at most {@code budget} planned placements applied: walking the targets in
     * order, a target whose owners changed takes its new owners while the budget lasts and keeps its
     * previous owners afterwards. Forced changes are always applied and not counted: a target that
     * is new, had fewer owners than it has now, or lost an owner that may not keep it
     * ({@code mayKeep} false: gone, withdrawn or leaving).
     *
     * @return the limited assignment and the number of placements deferred to later epochs
     */
    public Limited limitMoves(Assignment previous, long budget, Predicate<String> mayKeep) {
        MovementBudget spending = new MovementBudget(budget, mayKeep);
        forEachChange(previous, spending);
        return new Limited(spending.owners == null ? this
                : new Assignment(targets, replication, workers, spending.owners, table, underReplicated),
                spending.deferred, spending.filling);
    }

    /**
     * What {@link #limitMoves} spends, target by target in order: a planned change takes its new
     * placements while {@code left} covers them; afterwards the target keeps its previous owners in
     * {@code owners} (a copy of this assignment's, made at the first deferral).
     */
    private final class MovementBudget implements ChangeConsumer {
        private final Predicate<String> mayKeep;
        private final Map<String, Integer> ids = new HashMap<>();
        private final Set<String> filling = new TreeSet<>();
        private long left;
        private long deferred;
        private int[] owners;

        MovementBudget(long budget, Predicate<String> mayKeep) {
            this.left = budget;
            this.mayKeep = mayKeep;
            for (int w = 0; w < workers.length; w++) {
                ids.put(workers[w], w);
            }
        }

        @Override
        public void accept(int i, String key, List<String> before, List<String> after) {
            if (forced(before, after)) {
                return;
            }
            int added = 0;
            for (String w : after) {
                added += before.contains(w) ? 0 : 1;
            }
            if (left >= added) {
                left -= added;
                return;
            }
            deferred += added;
            after.stream().filter(w -> !before.contains(w)).forEach(filling::add);
            if (owners == null) {
                owners = Assignment.this.owners.clone();
            }
            for (int r = 0; r < replication; r++) {
                owners[i * replication + r] = r < before.size() ? ids.get(before.get(r)) : -1;
            }
        }

        /** A change the budget cannot hold back: a new replica, or an owner that may not keep the target. */
        private boolean forced(List<String> before, List<String> after) {
            boolean forced = before.size() < after.size();
            for (String w : before) {
                forced |= !ids.containsKey(w) || !mayKeep.test(w);
            }
            return forced;
        }
    }

    /**
     * An assignment held back by a movement budget, how many placements wait for later epochs, and the
     * workers they would go to (to be passed as {@link Member#filling()} next time).
     */
    public record Limited(Assignment assignment, long deferred, Set<String> filling) {
    }

    /**
     * For each target of this assignment, its index in {@code previous}, or -1: one merge walk over
     * both sorted sets. Null when both have the same target set (the common case while the inventory
     * is unchanged): every target is at its own index, and no array of a million entries is made.
     */
    private int[] matchIn(Assignment previous) {
        if (previous.targets == targets) {
            return null;
        }
        int[] match = new int[targets.size()];
        int j = 0;
        for (int i = 0; i < targets.size(); i++) {
            while (j < previous.targets.size() && TargetSet.compare(previous.targets.hashes[j],
                    previous.targets.keys[j], targets.hashes[i], targets.keys[i]) < 0) {
                j++;
            }
            match[i] = j < previous.targets.size() && previous.targets.hashes[j] == targets.hashes[i]
                    && previous.targets.keys[j].equals(targets.keys[i]) ? j : -1;
        }
        return match;
    }

    /** Placements moved, and their summed weight. */
    public record Movement(long count, double weight) {
    }

    /** Worker ids this assignment knows, sorted. */
    public List<String> workers() {
        return Collections.unmodifiableList(Arrays.asList(workers));
    }
}
