package io.promshard.coordinator.assign;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Places every target on R distinct workers: weighted rendezvous preference, a load cap, and sticky
 * incremental change from the previous assignment.
 *
 * <ul>
 *   <li><b>Preference.</b> Each target's hash slot ranks the eligible workers by weighted
 *   rendezvous score ({@link PreferenceTable}).</li>
 *   <li><b>Cap, with hysteresis.</b> A worker's fair share is
 *   {@code R * totalWeight * capacity / totalCapacity}. Placement fills workers only up to
 *   {@code (1 + epsilon / 2)} times it; a worker sheds only above {@code (1 + epsilon)} times it, and
 *   then down to {@code (1 + epsilon / 2)}, the middle of the band, as does a joiner take shed targets
 *   only up to there. The band keeps a join from pushing the many workers near the cap over it (which
 *   would move targets between old workers and rewrite their shares), also after a mass start whose
 *   many joins made workers shed, yet no worker ends above {@code (1 + epsilon)} while another has room. Hard
 *   caps ({@link Member#maxTargets()}, {@link Member#maxWeight()}) are never exceeded.</li>
 *   <li><b>Sticky.</b> Every target keeps its previous owners while they are eligible, allowed by
 *   its pin and within their hard caps. A worker that joins pulls, in this order, what workers above
 *   their new cap must shed (the targets it scores best on) and then the targets it wins in
 *   preference order, until it holds its fair share. Targets without enough owners (new, or their
 *   owner left or drains) go to their first preference with room, heaviest first. A worker still
 *   above its cap sheds to the next choice with room. Nothing else moves.</li>
 *   <li><b>Deterministic.</b> The result depends on the target set, the members and the previous
 *   assignment only, never on input order or on the machine: a second coordinator computing it from
 *   the same published state gets the same answer.</li>
 * </ul>
 *
 * <p>Pure: no I/O, no state between runs (a previous {@link Assignment} carries the preference table
 * for reuse, which changes speed, never results). Thread-safe.
 */
public final class AssignmentEngine {

    private final AssignmentSettings settings;

    public AssignmentEngine() {
        this(AssignmentSettings.DEFAULT);
    }

    public AssignmentEngine(AssignmentSettings settings) {
        this.settings = settings;
    }

    public AssignmentSettings settings() {
        return settings;
    }

    /** Assigns weight-1 targets from scratch. */
    public Assignment assign(Collection<String> targetKeys, Collection<Member> members) {
        return assign(TargetSet.of(targetKeys), members, null);
    }

    /**
     * @param targets  the targets, weights and pins
     * @param members  all live workers, draining and held ones included; ids must be distinct
     * @param previous the assignment in force, or null for a fresh start
     */
    public Assignment assign(TargetSet targets, Collection<Member> members, Assignment previous) {
        return new Run(targets, members, previous, settings).run();
    }

    /** One computation's mutable state. Confined to the calling thread. */
    private static final class Run {
        private final TargetSet t;
        private final int r;
        private final double epsilon;
        private final Assignment previous;
        private final Member[] m;
        private final String[] ids;
        private final boolean[] eligible;
        private final boolean[] keeps;
        private final int[] eligibleIndex;
        private final int[] workerOfEligible;
        private final double[] fair;
        private final double[] soft;
        private final double[] fill;
        private final double[] load;
        private final int[] count;
        private final int[] owners;
        private final boolean[] moved;
        /** Bit x set: replica x of the target was placed by this run (so moving it again costs no extra move). */
        private final int[] placedNow;
        private final boolean zones;
        private PreferenceTable table;
        private RoomTree room;
        private final Map<Integer, int[]> fullOrders = new HashMap<>();

        Run(TargetSet targets, Collection<Member> members, Assignment previous, AssignmentSettings settings) {
            this.t = targets;
            this.r = settings.replication();
            this.epsilon = settings.epsilon();
            this.previous = previous;
            this.m = members.toArray(new Member[0]);
            Arrays.sort(m, Comparator.comparing(Member::id));
            for (int i = 1; i < m.length; i++) {
                if (m[i].id().equals(m[i - 1].id())) {
                    throw new IllegalArgumentException("duplicate member id " + m[i].id());
                }
            }
            int n = m.length;
            ids = new String[n];
            eligible = new boolean[n];
            keeps = new boolean[n];
            eligibleIndex = new int[n];
            int e = 0;
            boolean anyZone = false;
            for (int w = 0; w < n; w++) {
                ids[w] = m[w].id();
                keeps[w] = !m[w].draining();
                eligible[w] = keeps[w] && !m[w].held();
                eligibleIndex[w] = eligible[w] ? e++ : -1;
                anyZone |= !m[w].zone().isEmpty();
            }
            zones = anyZone;
            workerOfEligible = new int[e];
            for (int w = 0; w < n; w++) {
                if (eligible[w]) {
                    workerOfEligible[eligibleIndex[w]] = w;
                }
            }
            fair = new double[n];
            soft = new double[n];
            fill = new double[n];
            load = new double[n];
            count = new int[n];
            owners = new int[t.size() * r];
            Arrays.fill(owners, -1);
            moved = new boolean[t.size()];
            placedNow = new int[t.size()];
        }

        Assignment run() {
            String[] eligibleIds = new String[workerOfEligible.length];
            int[] eligibleCaps = new int[workerOfEligible.length];
            double capacity = 0;
            for (int e = 0; e < workerOfEligible.length; e++) {
                Member mm = m[workerOfEligible[e]];
                eligibleIds[e] = mm.id();
                eligibleCaps[e] = mm.capacity();
                capacity += mm.capacity();
            }
            table = PreferenceTable.build(eligibleIds, eligibleCaps, r + 6, previous == null ? null : previous.table);
            double demand = t.totalWeight * Math.min(r, workerOfEligible.length);
            for (int w = 0; w < m.length; w++) {
                if (eligible[w]) {
                    fair[w] = demand * m[w].capacity() / capacity;
                    soft[w] = (1 + epsilon) * fair[w];
                    fill[w] = (1 + epsilon / 2) * fair[w];
                }
            }
            boolean hasPrevious = previous != null && previous.owners.length > 0;
            if (hasPrevious) {
                carryOver();
            }
            room = new RoomTree(m.length); // after the carry-over: one update per worker, not per target
            for (int w = 0; w < m.length; w++) {
                updateRoom(w);
            }
            if (hasPrevious) {
                // a joiner: eligible, holding nothing after carry-over (new, back from draining or never used),
                // or part-way through a join that a movement budget spreads over several epochs
                for (int w = 0; w < m.length; w++) {
                    if (eligible[w] && t.size() > 0 && (count[w] == 0 || m[w].filling() && load[w] < fair[w] - 1e-9)) {
                        pull(w);
                    }
                }
            }
            placeOrphans();
            shedOverflow();
            List<String> under = new ArrayList<>();
            int want = Math.min(r, workerOfEligible.length);
            for (int i = 0; i < t.size(); i++) {
                if (ownerCount(i) < want || workerOfEligible.length == 0) {
                    under.add(t.keys[i]);
                }
            }
            return new Assignment(t, r, ids, owners, table, under);
        }

        private Map<String, Integer> indexOfIds() {
            Map<String, Integer> index = new HashMap<>(m.length * 2);
            for (int w = 0; w < m.length; w++) {
                index.put(ids[w], w);
            }
            return index;
        }

        /** Keeps each target's previous owners that may still hold it. */
        private void carryOver() {
            Map<String, Integer> index = indexOfIds();
            int[] map = new int[previous.workers.length];
            for (int pw = 0; pw < map.length; pw++) {
                map[pw] = index.getOrDefault(previous.workers[pw], -1);
            }
            TargetSet p = previous.targets;
            boolean same = p == t;
            int[] kept = new int[previous.replication];
            int j = 0;
            for (int i = 0; i < t.size(); i++) {
                if (!same) {
                    while (j < p.size() && TargetSet.compare(p.hashes[j], p.keys[j], t.hashes[i], t.keys[i]) < 0) {
                        j++;
                    }
                    if (j >= p.size() || p.hashes[j] != t.hashes[i] || !p.keys[j].equals(t.keys[i])) {
                        continue;
                    }
                }
                int pi = same ? i : j;
                int n = 0;
                for (int pr = 0; pr < previous.replication; pr++) {
                    int pw = previous.owners[pi * previous.replication + pr];
                    int w = pw < 0 ? -1 : map[pw];
                    if (w >= 0) {
                        // insertion sort: owners in id order, so that the result does not depend on
                        // how the previous assignment was built
                        int pos = n++;
                        while (pos > 0 && kept[pos - 1] > w) {
                            kept[pos] = kept[pos - 1];
                            pos--;
                        }
                        kept[pos] = w;
                    }
                }
                for (int x = 0; x < n; x++) {
                    int w = kept[x];
                    if (keeps[w] && (t.pins[i] == null || allowed(i, w)) && hardRoom(w, i)
                            && (x == 0 || kept[x - 1] != w) && ownerCount(i) < r) {
                        owners[i * r + ownerCount(i)] = w;
                        load[w] += t.weights[i];
                        count[w]++;
                    }
                }
            }
        }

        /** Each worker's targets when the first joiner of this run pulled, and the lightest target's weight. */
        private int[][] pullLists;
        private double lightest;

        /** A joiner takes what over-cap workers must shed, then what it wins, up to its fair share. */
        private void pull(int j) {
            long jHash = table.workerHashes[eligibleIndex[j]];
            int jCap = m[j].capacity();
            List<Integer> over = new ArrayList<>();
            for (int w = 0; w < m.length; w++) {
                if (w != j && eligible[w] && load[w] > soft[w] + 1e-9) {
                    over.add(w);
                }
            }
            if (!over.isEmpty()) {
                if (pullLists == null) {
                    // kept for every joiner of this run: only joiners gain targets while joiners pull, and none
                    // goes over its fill; a target a worker gave away since is skipped below (not its owner)
                    pullLists = targetsByWorker();
                    lightest = Double.MAX_VALUE;
                    for (int i = 0; i < t.size(); i++) {
                        lightest = Math.min(lightest, t.weights[i]);
                    }
                }
                int[][] byWorker = pullLists;
                for (int w : over) {
                    if (load[j] + lightest > fill[j] + 1e-9) {
                        break; // the joiner is full: no target of any other over-cap worker fits
                    }
                    int[] mine = byWorker[w];
                    double[] score = new double[mine.length];
                    Integer[] order = new Integer[mine.length];
                    for (int x = 0; x < mine.length; x++) {
                        int s = TargetSet.slot(t.hashes[mine[x]]);
                        score[x] = PreferenceTable.score(Hashes.mix(PreferenceTable.slotSeed(s) ^ jHash), jCap);
                        order[x] = x;
                    }
                    Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a])
                            : Integer.compare(mine[a], mine[b]));
                    for (int x : order) {
                        if (load[w] <= fill[w] + 1e-9) {
                            break;
                        }
                        int i = mine[x];
                        if (moved[i] || !isOwner(i, w) || !canTake(j, i, w, fill[j])) {
                            continue;
                        }
                        replace(i, w, j);
                    }
                }
            }
            int je = eligibleIndex[j];
            for (int s = 0; s < TargetSet.SLOTS && load[j] < fair[j] - 1e-9; s++) {
                int base = s * table.k;
                int rank = -1;
                for (int x = 0; x < Math.min(r, table.len[s]); x++) {
                    if (table.prefs[base + x] == je) {
                        rank = x;
                    }
                }
                if (rank < 0) {
                    continue;
                }
                for (int i = t.slotStart[s]; i < t.slotStart[s + 1]; i++) {
                    if (moved[i] || isOwner(i, j) || ownerCount(i) < r) {
                        continue;
                    }
                    int victim = worstOwnerOutsideTop(i, s);
                    if (victim < 0 || !canTake(j, i, victim, fair[j] + t.weights[i] - 1e-9)) {
                        continue;
                    }
                    if (load[j] + t.weights[i] > fair[j] + 1e-9 && load[j] + t.weights[i] > soft[j] + 1e-9) {
                        continue;
                    }
                    replace(i, victim, j);
                    if (load[j] >= fair[j] - 1e-9) {
                        break;
                    }
                }
            }
        }

        /** The owner of target {@code i} ranked lowest in slot {@code s}'s order, if it is outside the top R. */
        private int worstOwnerOutsideTop(int i, int s) {
            int base = s * table.k;
            int top = Math.min(r, table.len[s]);
            int victim = -1;
            for (int x = 0; x < r; x++) {
                int w = owners[i * r + x];
                if (w < 0) {
                    continue;
                }
                boolean inTop = false;
                for (int y = 0; y < top && !inTop; y++) {
                    inTop = eligibleIndex[w] == table.prefs[base + y];
                }
                if (!inTop) {
                    victim = w;
                }
            }
            return victim;
        }

        /** Whether {@code j} may take target {@code i} from {@code from} without passing {@code limit}. */
        private boolean canTake(int j, int i, int from, double limit) {
            return allowed(i, j) && !isOwner(i, j) && hardRoom(j, i) && load[j] + t.weights[i] <= limit + 1e-9
                    && (!zones || !zoneTakenByOther(i, j, from));
        }

        private void placeOrphans() {
            List<Integer> orphans = new ArrayList<>();
            int want = Math.min(r, workerOfEligible.length);
            for (int i = 0; i < t.size(); i++) {
                if (ownerCount(i) < want) {
                    orphans.add(i);
                }
            }
            if (orphans.isEmpty()) {
                return;
            }
            int[] order = orphans.stream().mapToInt(Integer::intValue).toArray();
            IndexSort.sort(order, (a, b) -> t.weights[a] != t.weights[b] ? Double.compare(t.weights[b], t.weights[a])
                    : Integer.compare(a, b));
            for (int replica = 0; replica < want; replica++) {
                for (int i : order) {
                    if (ownerCount(i) <= replica) {
                        int w = choose(i, -1);
                        if (w >= 0) {
                            add(i, w);
                        }
                    }
                }
            }
        }

        /**
         * Workers above their cap shed targets to their next choice with room: first what this run
         * placed on them (it moves anyway), then what they held before.
         */
        private void shedOverflow() {
            int[][] byWorker = null;
            for (int w = 0; w < m.length; w++) {
                if (load[w] <= soft[w] + 1e-9 || !eligible[w]) {
                    continue;
                }
                if (byWorker == null) {
                    byWorker = targetsByWorker();
                }
                for (int pass = 0; pass < 2; pass++) {
                    for (int i : byWorker[w]) {
                        if (load[w] <= fill[w] + 1e-9) {
                            break;
                        }
                        int x = replicaOf(i, w);
                        if (x < 0 || ((placedNow[i] >>> x & 1) == 1) != (pass == 0)) {
                            continue;
                        }
                        int to = choose(i, w);
                        if (to >= 0 && load[to] + t.weights[i] <= soft[to] + 1e-9) {
                            replace(i, w, to);
                        }
                    }
                }
            }
        }

        private int replicaOf(int i, int w) {
            for (int x = 0; x < r; x++) {
                if (owners[i * r + x] == w) {
                    return x;
                }
            }
            return -1;
        }

        /**
         * The best worker for another replica of target {@code i} (replacing {@code leaving} when
         * {@code >= 0}): its first preference with room and, where zones are set, in a zone the
         * target does not use yet; else the eligible worker with the most room; else -1.
         */
        private int choose(int i, int leaving) {
            int s = TargetSet.slot(t.hashes[i]);
            int base = s * table.k;
            double wt = t.weights[i];
            boolean pinned = t.pins[i] != null;
            for (int pass = 0; pass < (zones ? 2 : 1); pass++) {
                boolean zoneCheck = zones && pass == 0;
                for (int x = 0; x < table.len[s]; x++) {
                    int w = workerOfEligible[table.prefs[base + x]];
                    if (fits(i, w, leaving, wt, zoneCheck)) {
                        return w;
                    }
                }
                if (pinned || table.len[s] == workerOfEligible.length) {
                    for (int e : fullOrder(s)) {
                        int w = workerOfEligible[e];
                        if (fits(i, w, leaving, wt, zoneCheck)) {
                            return w;
                        }
                    }
                }
            }
            if (!pinned) {
                int best = mostRoom(i, leaving);
                if (best >= 0 && (load[best] + wt <= soft[best] + 1e-9 || leaving < 0)) {
                    return best;
                }
                return leaving >= 0 ? -1 : best;
            }
            return leaving >= 0 ? -1 : anyHardRoom(i, s);
        }

        private boolean fits(int i, int w, int leaving, double wt, boolean zoneCheck) {
            return w != leaving && allowed(i, w) && !isOwner(i, w) && hardRoom(w, i)
                    && load[w] + wt <= fill[w] + 1e-9 && (!zoneCheck || !zoneTakenByOther(i, w, leaving));
        }

        /** The eligible non-owner with the most relative room that has hard room, or -1. */
        private int mostRoom(int i, int leaving) {
            List<Integer> hidden = new ArrayList<>();
            int found = -1;
            while (true) {
                int w = room.argmax();
                if (w < 0) {
                    break;
                }
                if (w != leaving && !isOwner(i, w) && hardRoom(w, i) && allowed(i, w)) {
                    found = w;
                    break;
                }
                hidden.add(w);
                room.set(w, Double.NEGATIVE_INFINITY);
            }
            hidden.forEach(this::updateRoom);
            return found;
        }

        private int anyHardRoom(int i, int s) {
            for (int e : fullOrder(s)) {
                int w = workerOfEligible[e];
                if (allowed(i, w) && !isOwner(i, w) && hardRoom(w, i)) {
                    return w;
                }
            }
            return -1;
        }

        private int[] fullOrder(int s) {
            return fullOrders.computeIfAbsent(s, table::fullOrder);
        }

        private boolean allowed(int i, int w) {
            Pin p = t.pins[i];
            return p == null || p.allows(ids[w], m[w].zone());
        }

        private boolean hardRoom(int w, int i) {
            Member mm = m[w];
            return (mm.maxTargets() == 0 || count[w] + 1 <= mm.maxTargets())
                    && (mm.maxWeight() == 0 || load[w] + t.weights[i] <= mm.maxWeight() + 1e-9);
        }

        private boolean zoneTakenByOther(int i, int w, int except) {
            String zone = m[w].zone();
            if (zone.isEmpty()) {
                return false;
            }
            for (int x = 0; x < r; x++) {
                int o = owners[i * r + x];
                if (o >= 0 && o != except && zone.equals(m[o].zone())) {
                    return true;
                }
            }
            return false;
        }

        private boolean isOwner(int i, int w) {
            for (int x = 0; x < r; x++) {
                if (owners[i * r + x] == w) {
                    return true;
                }
            }
            return false;
        }

        private int ownerCount(int i) {
            int c = 0;
            for (int x = 0; x < r; x++) {
                if (owners[i * r + x] >= 0) {
                    c++;
                }
            }
            return c;
        }

        private void add(int i, int w) {
            for (int x = 0; x < r; x++) {
                if (owners[i * r + x] < 0) {
                    owners[i * r + x] = w;
                    placedNow[i] |= 1 << x;
                    load[w] += t.weights[i];
                    count[w]++;
                    updateRoom(w);
                    return;
                }
            }
            throw new IllegalStateException("target " + t.keys[i] + " already has " + r + " owners");
        }

        private void replace(int i, int from, int to) {
            for (int x = 0; x < r; x++) {
                if (owners[i * r + x] == from) {
                    owners[i * r + x] = to;
                    placedNow[i] |= 1 << x;
                    load[from] -= t.weights[i];
                    count[from]--;
                    load[to] += t.weights[i];
                    count[to]++;
                    moved[i] = true;
                    updateRoom(from);
                    updateRoom(to);
                    return;
                }
            }
            throw new IllegalStateException("worker " + ids[from] + " does not own " + t.keys[i]);
        }

        private void updateRoom(int w) {
            if (room != null) {
                room.set(w, eligible[w] && fill[w] > 0 ? (fill[w] - load[w]) / fill[w] : Double.NEGATIVE_INFINITY);
            }
        }

        private int[][] targetsByWorker() {
            return Assignment.listsByWorker(owners, r, m.length);
        }
    }
}
