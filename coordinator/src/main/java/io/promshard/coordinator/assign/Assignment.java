package io.promshard.coordinator.assign;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The outcome of one engine run: each target's owners (up to R, the target's own replication, or
 * every eligible worker), by worker id. Immutable; array-backed so that a million targets cost a few
 * bytes each. It is also the "previous" input of the next run, which keeps the assignment sticky.
 */
public final class Assignment {

    final TargetSet targets;
    /** The engine's replication factor: the owners of a target without one of its own. */
    final int replication;
    /** Worker ids, sorted (binary-searchable). */
    final String[] workers;
    /** Where each target's owners are in {@link #owners}. */
    final OwnerSlots slots;
    /** owners[slots.first(i) .. slots.end(i) - 1]: indexes into {@link #workers}, or -1. */
    final int[] owners;
    final PreferenceTable table;
    private final List<String> underReplicated;
    /** {@link #countByWorker()} and {@link #weightByWorker()} once computed (volatile: read by API threads). */
    private volatile Map<String, Integer> countByWorker;
    private volatile Map<String, Double> weightByWorker;
    /** Lazily, each worker's targets (see {@link #byWorker()}); racy but idempotent. */
    private volatile int[][] targetLists;

    Assignment(TargetSet targets, int replication, String[] workers, OwnerSlots slots, int[] owners,
               PreferenceTable table, List<String> underReplicated) {
        this.targets = targets;
        this.replication = replication;
        this.workers = workers;
        this.slots = slots;
        this.owners = owners;
        this.table = table;
        this.underReplicated = List.copyOf(underReplicated);
    }

    public static Assignment empty() {
        return new Assignment(TargetSet.of(List.of()), 1, new String[0], OwnerSlots.uniform(0, 1), new int[0], null,
                List.of());
    }

    /**
     * An assignment read back from published state: each key's owners as listed (at least
     * {@code replication} slots each, more where a key lists more), among {@code workers} (which may
     * include workers owning nothing).
     */
    public static Assignment of(Map<String, List<String>> owners, Collection<String> members, int replication) {
        return of(owners, members, replication, key -> TargetSet.DEFAULT_REPLICAS);
    }

    /**
     * As {@link #of(Map, Collection, int)}, each key with its own replication {@code replicasOf(key)}
     * ({@link TargetSet#DEFAULT_REPLICAS} for the factor, {@link TargetSet#EVERY_WORKER}, or a count), as
     * its job gives it.
     */
    public static Assignment of(Map<String, List<String>> owners, Collection<String> members, int replication,
                                ToIntFunction<String> replicasOf) {
        TargetSet.Builder targets = TargetSet.builder(owners.size());
        owners.keySet().forEach(key -> targets.add(key, 1, null, replicasOf.applyAsInt(key)));
        TargetSet set = targets.build();
        TreeMap<String, Integer> ids = new TreeMap<>();
        members.forEach(w -> ids.put(w, 0));
        owners.values().forEach(list -> list.forEach(w -> ids.putIfAbsent(w, 0)));
        String[] workers = ids.keySet().toArray(new String[0]);
        for (int w = 0; w < workers.length; w++) {
            ids.put(workers[w], w);
        }
        int[] counts = new int[set.size()];
        for (int i = 0; i < set.size(); i++) {
            int replicas = set.replicas(i) == TargetSet.DEFAULT_REPLICAS ? replication : Math.max(1, set.replicas(i));
            counts[i] = Math.max(replicas, owners.get(set.key(i)).size());
        }
        OwnerSlots slots = OwnerSlots.of(counts);
        int[] o = new int[slots.total()];
        Arrays.fill(o, -1);
        for (int i = 0; i < set.size(); i++) {
            List<String> list = owners.get(set.key(i));
            for (int r = 0; r < list.size(); r++) {
                o[slots.first(i) + r] = ids.get(list.get(r));
            }
        }
        return new Assignment(set, replication, workers, slots, o, null, List.of());
    }

    public TargetSet targets() {
        return targets;
    }

    /** The engine's replication factor, which applies to targets without one of their own. */
    public int replication() {
        return replication;
    }

    /**
     * Target {@code i}'s replication: its own count, the engine's factor when it has none, or
     * {@link TargetSet#EVERY_WORKER}.
     */
    public int replicas(int i) {
        int own = targets.replicas(i);
        return own == TargetSet.DEFAULT_REPLICAS ? replication : own;
    }

    /**
     * How many owners target {@code i} should have with {@code eligible} workers that may take it:
     * {@code min(replicas, eligible)}, or all of them for a target every worker owns.
     */
    public int wanted(int i, int eligible) {
        int replicas = replicas(i);
        return replicas == TargetSet.EVERY_WORKER ? eligible : Math.min(replicas, eligible);
    }

    /**
     * The weight {@code eligible} workers share in balance, each replica counted:
     * {@code Σ weight(i) · min(R_i, eligible)} over the targets that are not on every worker (these
     * weigh the same on every worker and are left out).
     */
    public double demand(int eligible) {
        return demand(targets, replication, eligible);
    }

    /** {@link #demand(int)} of {@code targets} under replication factor {@code replication}. */
    static double demand(TargetSet targets, int replication, int eligible) {
        if (!targets.hasOwnReplication()) {
            return targets.totalWeight * Math.min(replication, eligible);
        }
        double demand = 0;
        for (int i = 0; i < targets.size(); i++) {
            int own = targets.replicas(i);
            int replicas = own == TargetSet.DEFAULT_REPLICAS ? replication : own;
            demand += replicas == TargetSet.EVERY_WORKER ? 0 : targets.weight(i) * Math.min(replicas, eligible);
        }
        return demand;
    }

    /**
     * How many owners target {@code i} should have among {@code members}: its replication, or for a
     * target on every worker, the members that take targets and its pin allows.
     */
    public int wantedAmong(int i, Collection<Member> members) {
        int replicas = replicas(i);
        if (replicas != TargetSet.EVERY_WORKER) {
            return replicas;
        }
        Pin pin = targets.pin(i);
        return (int) members.stream()
                .filter(m -> m.takesTargets() && (pin == null || pin.allows(m.id(), m.zone()))).count();
    }

    /** Owners of target {@code i} of {@link #targets()}, best first. */
    public List<String> owners(int i) {
        List<String> out = new ArrayList<>(slots.count(i));
        for (int x = slots.first(i); x < slots.end(i); x++) {
            int w = owners[x];
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
            lists = listsByWorker(owners, slots, workers.length);
            targetLists = lists;
        }
        return lists;
    }

    /**
     * For each of {@code workers} worker indexes, the targets it owns in {@code owners} (laid out as
     * {@code slots} say), ascending. Shared by assignments and the engine's run, which lists its
     * owners as they stand.
     */
    static int[][] listsByWorker(int[] owners, OwnerSlots slots, int workers) {
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
        for (int i = 0; i < slots.targets(); i++) {
            for (int x = slots.first(i); x < slots.end(i); x++) {
                int w = owners[x];
                if (w >= 0) {
                    lists[w][count[w]++] = i;
                }
            }
        }
        return lists;
    }

    /** The first owner of {@code key}, or null. */
    public String owner(String key) {
        List<String> o = owners(key);
        return o.isEmpty() ? null : o.get(0);
    }

    /**
     * Keys with fewer owners than they want: nowhere to put them (no eligible worker with room, or a
     * pin no one meets).
     */
    public List<String> underReplicated() {
        return underReplicated;
    }

    /**
     * Targets (replicas counted) per worker id, including workers that own nothing when they were
     * members. Counted once per assignment (a pass over every placement) and kept: the leader's run,
     * its balance report and every {@code /metrics} page ask for it.
     */
    public Map<String, Integer> countByWorker() {
        Map<String, Integer> known = countByWorker;
        if (known == null) {
            known = Collections.unmodifiableMap(countPerWorker());
            countByWorker = known; // immutable and equal whoever computes it: a race costs a second pass
        }
        return known;
    }

    private Map<String, Integer> countPerWorker() {
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

    /** Summed target weight (replicas counted) per worker id; summed once per assignment, as {@link #countByWorker()}. */
    public Map<String, Double> weightByWorker() {
        Map<String, Double> known = weightByWorker;
        if (known == null) {
            known = Collections.unmodifiableMap(weightPerWorker());
            weightByWorker = known;
        }
        return known;
    }

    private Map<String, Double> weightPerWorker() {
        double[] c = new double[workers.length];
        for (int i = 0; i < targets.size(); i++) {
            for (int x = slots.first(i); x < slots.end(i); x++) {
                if (owners[x] >= 0) {
                    c[owners[x]] += targets.weight(i);
                }
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
            for (int x = slots.first(i); x < slots.end(i); x++) {
                int w = owners[x];
                if (w < 0) {
                    continue;
                }
                boolean had = false;
                for (int px = previous.slots.first(j); px < previous.slots.end(j) && !had; px++) {
                    int pw = previous.owners[px];
                    had = pw >= 0 && pw == toPrev[w];
                }
                if (!had) {
                    count++;
                    weight += targets.weight(i);
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
                consumer.accept(i, targets.key(i), before, after);
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
        for (int x = slots.first(i); x < slots.end(i); x++) {
            int w = owners[x];
            if (w < 0) {
                continue;
            }
            mine++;
            int pw = toPrev[w];
            boolean found = false;
            for (int px = previous.slots.first(j); px < previous.slots.end(j) && !found; px++) {
                found = pw >= 0 && previous.owners[px] == pw;
            }
            if (!found) {
                return false;
            }
        }
        int theirs = 0;
        for (int px = previous.slots.first(j); px < previous.slots.end(j); px++) {
            theirs += previous.owners[px] >= 0 ? 1 : 0;
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
        return spending.limited();
    }

    /**
     * A pass over the changed targets that holds some changes back: a held target gets the owners
     * {@link #hold} gives it in {@code owners} (a copy of this assignment's, made at the first hold),
     * and the placements it no longer makes are counted, their workers noted as still owed.
     */
    private abstract class Holding implements ChangeConsumer {
        final Map<String, Integer> ids = new HashMap<>();
        private final Set<String> filling = new TreeSet<>();
        private long deferred;
        private int[] owners;

        Holding() {
            for (int w = 0; w < workers.length; w++) {
                ids.put(workers[w], w);
            }
        }

        /** Target {@code i} gets {@code kept} as its owners for now; {@code owed} would have gained it. */
        void hold(int i, List<String> kept, List<String> owed) {
            deferred += owed.size();
            filling.addAll(owed);
            if (owners == null) {
                owners = Assignment.this.owners.clone();
            }
            for (int r = 0; r < slots.count(i); r++) {
                owners[slots.first(i) + r] = r < kept.size() ? ids.get(kept.get(r)) : -1;
            }
        }

        Limited limited() {
            return new Limited(owners == null ? Assignment.this
                    : new Assignment(targets, replication, workers, slots, owners, table, underReplicated),
                    deferred, filling);
        }
    }

    /**
     * What {@link #limitMoves} spends, target by target in order: a planned change takes its new
     * placements while {@code left} covers them; afterwards the target keeps its previous owners in
     * {@code owners} (a copy of this assignment's, made at the first deferral).
     */
    private final class MovementBudget extends Holding {
        private final Predicate<String> mayKeep;
        private long left;

        MovementBudget(long budget, Predicate<String> mayKeep) {
            this.left = budget;
            this.mayKeep = mayKeep;
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
            hold(i, before, after.stream().filter(w -> !before.contains(w)).toList());
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
     * This assignment with no planned move taking more than one replica of a target at a time: where
     * the change from {@code previous} moves several replicas of a target (previous owners that
     * {@code mayKeep} lose it while others gain it), one move goes ahead and the other losers keep the
     * target for a later epoch; where the target is {@code handingOff} already (a replica's hand-off
     * is open), none goes ahead. The move that goes ahead is a departing owner's (one this assignment
     * gives nothing: drained) before a staying owner's, so that a drain is never held up behind a
     * rebalance of the same target's other replica. A target on every worker, and one with a single
     * owner, moves freely: there is no other replica to keep.
     *
     * @return the staggered assignment, the placements deferred and the workers they would go to
     */
    public Limited oneReplicaAtATime(Assignment previous, Predicate<String> handingOff, Predicate<String> mayKeep) {
        ReplicaStagger stagger = new ReplicaStagger(handingOff, mayKeep);
        forEachChange(previous, stagger);
        return stagger.limited();
    }

    /**
     * What {@link #oneReplicaAtATime} holds back, target by target: of a target's moves past the one
     * allowed, the last gainers give way and the last planned losers stay (in {@code owners}, a copy
     * of this assignment's made at the first hold).
     */
    private final class ReplicaStagger extends Holding {
        private final Predicate<String> handingOff;
        private final Predicate<String> mayKeep;

        /** Workers this assignment gives nothing (drained or leaving): their replicas move first. */
        private final Set<String> departing = new HashSet<>();

        ReplicaStagger(Predicate<String> handingOff, Predicate<String> mayKeep) {
            this.handingOff = handingOff;
            this.mayKeep = mayKeep;
            countByWorker().forEach((worker, count) -> {
                if (count == 0) {
                    departing.add(worker);
                }
            });
        }

        @Override
        public void accept(int i, String key, List<String> before, List<String> after) {
            if (before.size() < 2 || replicas(i) == TargetSet.EVERY_WORKER) {
                return;
            }
            List<String> gained = after.stream().filter(w -> !before.contains(w)).toList();
            // departing owners first: the last ones stay, and a staying owner can wait where a drain cannot
            List<String> plannedLosses = before.stream()
                    .filter(w -> !after.contains(w) && ids.containsKey(w) && mayKeep.test(w))
                    .sorted(Comparator.comparing(w -> !departing.contains(w))).toList();
            int allowed = handingOff.test(key) ? 0 : 1;
            int held = Math.min(gained.size(), plannedLosses.size()) - allowed;
            if (held <= 0) {
                return;
            }
            List<String> staggered = new ArrayList<>(after);
            List<String> givingWay = gained.subList(gained.size() - held, gained.size());
            staggered.removeAll(givingWay);
            staggered.addAll(plannedLosses.subList(plannedLosses.size() - held, plannedLosses.size()));
            hold(i, staggered, givingWay);
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
        return targets.indexesIn(previous.targets);
    }

    /** Placements moved, and their summed weight. */
    public record Movement(long count, double weight) {
    }

    /** Worker ids this assignment knows, sorted. */
    public List<String> workers() {
        return Collections.unmodifiableList(Arrays.asList(workers));
    }
}
