package io.promshard.coordinator.assign;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Places every target on R distinct workers (R the engine's replication factor, or the target's
 * own): weighted rendezvous preference, a load cap, and sticky incremental change from the previous
 * assignment. A target every worker must scrape ({@link TargetSet#EVERY_WORKER}) goes to every
 * eligible worker its pin allows and takes no part in the balance: every worker carries it alike.
 *
 * <ul>
 *   <li><b>Preference.</b> Each target's hash slot ranks the eligible workers by weighted
 *   rendezvous score ({@link PreferenceTable}).</li>
 *   <li><b>Cap, with hysteresis.</b> With {@code W} the targets' total weight, {@code C} the eligible
 *   workers' total capacity, {@code ε} the band ({@link AssignmentSettings#epsilon()}),
 *   {@code load(w)} the weight worker w holds, and the demand {@code D = Σ_i weight(i) · min(R_i, E)}
 *   over the targets not on every worker ({@code R_i} the target's replication, {@code E} the eligible
 *   workers; {@code D = W · min(R, E)} when no target has its own):
 *   <pre>
 *   fair(w)      = D · capacity(w) / C
 *   fillTo(w)    = (1 + ε/2) · fair(w)     placement fills w up to here, and shedding stops here
 *   shedAbove(w) = (1 + ε)   · fair(w)     w sheds only while load(w) &gt; shedAbove(w)
 *   </pre>
 *   A joiner takes shed targets only up to its {@code fillTo}, the middle of the band. The band keeps
 *   a join from pushing the many workers near the cap over it (which would move targets between old
 *   workers and rewrite their shares), also after a mass start whose many joins made workers shed,
 *   yet no worker ends above {@code shedAbove} while another has room. Hard caps
 *   ({@link Member#maxTargets()}, {@link Member#maxWeight()}) are never exceeded. Every comparison
 *   allows a rounding {@code TOLERANCE}.</li>
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

    /**
     * Tolerance of the load comparisons: loads are sums of double weights, so a comparison against a
     * cap allows this much rounding error instead of moving a target over a last-bit difference.
     */
    private static final double TOLERANCE = 1e-9;

    /**
     * One computation's mutable state. Confined to the calling thread. Workers are indexed by
     * position in {@link #members} (sorted by id), targets by position in {@link #targets}; owners of
     * target {@code i} are {@code owners[slots.first(i) .. slots.end(i) - 1]}, filled from the first
     * slot, -1 where a replica has no owner. A target has as many slots as its replication, or one per
     * member when every worker owns it.
     */
    private static final class Run {
        private final TargetSet targets;
        private final int replication;
        /** True when no target has a replication of its own: every target wants {@code min(R, E)} owners. */
        private final boolean uniform;
        /** The largest replication of a target (R when uniform): how deep the preference table goes. */
        private final int widest;
        private final OwnerSlots slots;
        private final double epsilon;
        private final Assignment previous;
        /** The members sorted by id: a worker's index is its position here. */
        private final Member[] members;
        private final String[] ids;
        /** May take new targets: neither draining nor held. */
        private final boolean[] eligible;
        /** May keep the targets it has: not draining (a held worker keeps). */
        private final boolean[] keeps;
        /** A worker's index among the eligible ones (the preference table's), -1 when not eligible. */
        private final int[] eligibleIndex;
        private final int[] workerOfEligible;
        /** {@code fair(w) = D · capacity(w) / C}: the load worker w would hold in perfect balance. */
        private final double[] fair;
        /** {@code (1 + ε) · fair(w)}: a worker sheds only when its load is above this. */
        private final double[] shedAbove;
        /** {@code (1 + ε/2) · fair(w)}: placement fills a worker only up to this, and shedding stops here. */
        private final double[] fillTo;
        /** The weight each worker holds of the targets that are not on every worker: what is balanced. */
        private final double[] load;
        /** The weight each worker holds of the targets on every worker: counted against its hard cap only. */
        private final double[] everywhereLoad;
        private final int[] count;
        private final int[] owners;
        /** Targets this run moved already: a joiner does not take them a second time. */
        private final boolean[] moved;
        /** Bit x set: replica x of the target was placed by this run (so moving it again costs no extra move). */
        private final int[] placedNow;
        private final boolean zones;
        private PreferenceTable table;
        private RoomTree room;
        private final Map<Integer, int[]> fullOrders = new HashMap<>();

        Run(TargetSet targets, Collection<Member> given, Assignment previous, AssignmentSettings settings) {
            this.targets = targets;
            this.replication = settings.replication();
            this.epsilon = settings.epsilon();
            this.previous = previous;
            this.members = given.toArray(new Member[0]);
            Arrays.sort(this.members, Comparator.comparing(Member::id));
            for (int i = 1; i < members.length; i++) {
                if (members[i].id().equals(members[i - 1].id())) {
                    throw new IllegalArgumentException("duplicate member id " + members[i].id());
                }
            }
            int n = members.length;
            ids = new String[n];
            eligible = new boolean[n];
            keeps = new boolean[n];
            eligibleIndex = new int[n];
            int e = 0;
            boolean anyZone = false;
            for (int w = 0; w < n; w++) {
                ids[w] = members[w].id();
                keeps[w] = !members[w].draining();
                eligible[w] = keeps[w] && !members[w].held();
                eligibleIndex[w] = eligible[w] ? e++ : -1;
                anyZone |= !members[w].zone().isEmpty();
            }
            zones = anyZone;
            workerOfEligible = new int[e];
            for (int w = 0; w < n; w++) {
                if (eligible[w]) {
                    workerOfEligible[eligibleIndex[w]] = w;
                }
            }
            fair = new double[n];
            shedAbove = new double[n];
            fillTo = new double[n];
            load = new double[n];
            everywhereLoad = new double[n];
            count = new int[n];
            uniform = !targets.hasOwnReplication();
            slots = uniform ? OwnerSlots.uniform(targets.size(), replication) : slotsPerTarget(n);
            widest = uniform ? replication : widestReplication();
            owners = new int[slots.total()];
            Arrays.fill(owners, -1);
            moved = new boolean[targets.size()];
            placedNow = new int[targets.size()];
        }

        /** One slot per replica, or per member for a target on every worker. */
        private OwnerSlots slotsPerTarget(int memberCount) {
            int[] counts = new int[targets.size()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = everywhere(i) ? Math.max(1, memberCount) : replicasOf(i);
            }
            return OwnerSlots.of(counts);
        }

        private int widestReplication() {
            int most = 1;
            for (int i = 0; i < targets.size(); i++) {
                most = everywhere(i) ? most : Math.max(most, replicasOf(i));
            }
            return most;
        }

        /** Target {@code i}'s replication: its own, or the engine's factor ({@link TargetSet#EVERY_WORKER} aside). */
        private int replicasOf(int i) {
            int own = targets.replicas(i);
            return own == TargetSet.DEFAULT_REPLICAS ? replication : own;
        }

        private boolean everywhere(int i) {
            return !uniform && targets.replicas(i) == TargetSet.EVERY_WORKER;
        }

        /** The owners a balanced target wants: {@code min(R_i, E)}. */
        private int want(int i) {
            return Math.min(replicasOf(i), workerOfEligible.length);
        }

        Assignment run() {
            String[] eligibleIds = new String[workerOfEligible.length];
            int[] eligibleCaps = new int[workerOfEligible.length];
            double capacity = 0;
            for (int e = 0; e < workerOfEligible.length; e++) {
                Member member = members[workerOfEligible[e]];
                eligibleIds[e] = member.id();
                eligibleCaps[e] = member.capacity();
                capacity += member.capacity();
            }
            table = PreferenceTable.build(eligibleIds, eligibleCaps, widest + 6,
                    previous == null ? null : previous.table);
            double demand = Assignment.demand(targets, replication, workerOfEligible.length);
            for (int w = 0; w < members.length; w++) {
                if (eligible[w]) {
                    fair[w] = demand * members[w].capacity() / capacity;
                    shedAbove[w] = (1 + epsilon) * fair[w];
                    fillTo[w] = (1 + epsilon / 2) * fair[w];
                }
            }
            boolean hasPrevious = previous != null && previous.owners.length > 0;
            if (hasPrevious && !uniform) {
                carryOver(true); // first, so that a hard cap serves the targets on every worker before the rest
            }
            placeEverywhere();
            if (hasPrevious) {
                carryOver(false);
            }
            room = new RoomTree(members.length); // after the carry-over: one update per worker, not per target
            for (int w = 0; w < members.length; w++) {
                updateRoom(w);
            }
            if (hasPrevious) {
                // a joiner: eligible, holding nothing after carry-over (new, back from draining or never used),
                // or part-way through a join that a movement budget spreads over several epochs
                for (int w = 0; w < members.length; w++) {
                    boolean owed = count[w] == 0 || members[w].filling() && load[w] < fair[w] - TOLERANCE;
                    if (eligible[w] && targets.size() > 0 && owed) {
                        pull(w);
                    }
                }
            }
            placeOrphans();
            shedOverflow();
            return new Assignment(targets, replication, ids, slots, owners, table, underReplicated());
        }

        /** The targets with fewer owners than they want: every target when no worker is eligible. */
        private List<String> underReplicated() {
            List<String> under = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                boolean missing = everywhere(i) ? missesAnEligibleWorker(i) : ownerCount(i) < want(i);
                if (missing || workerOfEligible.length == 0) {
                    under.add(targets.key(i));
                }
            }
            return under;
        }

        /** Whether an eligible worker that target {@code i}'s pin allows does not own it (its hard cap was full). */
        private boolean missesAnEligibleWorker(int i) {
            for (int w : workerOfEligible) {
                if (allowed(i, w) && !isOwner(i, w)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Targets on every worker go to each eligible worker their pin allows and its hard caps take,
         * before anything is balanced, so that the balanced targets fit around them.
         */
        private void placeEverywhere() {
            if (uniform) {
                return;
            }
            for (int i = 0; i < targets.size(); i++) {
                if (!everywhere(i)) {
                    continue;
                }
                for (int w : workerOfEligible) {
                    if (allowed(i, w) && !isOwner(i, w) && hardRoom(w, i)) {
                        owners[slots.first(i) + ownerCount(i)] = w;
                        charge(i, w);
                    }
                }
            }
        }

        /** Worker {@code w} now holds target {@code i}: its load (or, for a target on every worker, its hard-cap load) and count. */
        private void charge(int i, int w) {
            if (everywhere(i)) {
                everywhereLoad[w] += targets.weight(i);
            } else {
                load[w] += targets.weight(i);
            }
            count[w]++;
        }

        private Map<String, Integer> indexOfIds() {
            Map<String, Integer> index = new HashMap<>(members.length * 2);
            for (int w = 0; w < members.length; w++) {
                index.put(ids[w], w);
            }
            return index;
        }

        /**
         * Keeps each target's previous owners that may still hold it: of the targets on every worker
         * when {@code everywherePass}, else of the others.
         */
        private void carryOver(boolean everywherePass) {
            Map<String, Integer> index = indexOfIds();
            int[] map = new int[previous.workers.length];
            for (int pw = 0; pw < map.length; pw++) {
                map[pw] = index.getOrDefault(previous.workers[pw], -1);
            }
            int[] match = targets.indexesIn(previous.targets); // null: the same set, each target at its own index
            int[] kept = new int[previous.slots.widest()];
            for (int i = 0; i < targets.size(); i++) {
                int pi = match == null ? i : match[i];
                if (pi < 0 || everywhere(i) != everywherePass) {
                    continue;
                }
                int n = 0;
                for (int px = previous.slots.first(pi); px < previous.slots.end(pi); px++) {
                    int pw = previous.owners[px];
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
                    if (keeps[w] && (targets.pin(i) == null || allowed(i, w)) && hardRoom(w, i)
                            && (x == 0 || kept[x - 1] != w) && ownerCount(i) < slots.count(i)) {
                        owners[slots.first(i) + ownerCount(i)] = w;
                        charge(i, w);
                    }
                }
            }
        }

        /** Each worker's targets when the first joiner of this run pulled, and the lightest target's weight. */
        private int[][] pullLists;
        private double lightest;

        /** A joiner takes what over-cap workers must shed, then what it wins, up to its fair share. */
        private void pull(int j) {
            takeShed(j);
            takeWon(j);
        }

        /**
         * From every other worker above its {@code shedAbove}, the targets joiner {@code j} scores best
         * on, until that worker is down to its {@code fillTo} or the joiner is at its own.
         */
        private void takeShed(int j) {
            List<Integer> over = new ArrayList<>();
            for (int w = 0; w < members.length; w++) {
                if (w != j && eligible[w] && load[w] > shedAbove[w] + TOLERANCE) {
                    over.add(w);
                }
            }
            if (over.isEmpty()) {
                return;
            }
            if (pullLists == null) {
                // kept for every joiner of this run: only joiners gain targets while joiners pull, and none
                // goes over its fill level; a target a worker gave away since is skipped (not its owner)
                pullLists = targetsByWorker();
                lightest = Double.MAX_VALUE;
                for (int i = 0; i < targets.size(); i++) {
                    lightest = Math.min(lightest, targets.weight(i));
                }
            }
            for (int w : over) {
                if (load[j] + lightest > fillTo[j] + TOLERANCE) {
                    break; // the joiner is full: no target of any other over-cap worker fits
                }
                takeShedFrom(j, w);
            }
        }

        /** Worker {@code w}'s targets, best first as joiner {@code j} scores them, until w is at its fill level. */
        private void takeShedFrom(int j, int w) {
            long joinerHash = table.workerHashes[eligibleIndex[j]];
            int joinerCapacity = members[j].capacity();
            int[] mine = pullLists[w];
            double[] score = new double[mine.length];
            Integer[] order = new Integer[mine.length];
            for (int x = 0; x < mine.length; x++) {
                int s = TargetSet.slot(targets.hashes[mine[x]]);
                score[x] = PreferenceTable.score(Hashes.mix(PreferenceTable.slotSeed(s) ^ joinerHash), joinerCapacity);
                order[x] = x;
            }
            Arrays.sort(order, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a])
                    : Integer.compare(mine[a], mine[b]));
            for (int x : order) {
                if (load[w] <= fillTo[w] + TOLERANCE) {
                    break;
                }
                int i = mine[x];
                if (moved[i] || everywhere(i) || !isOwner(i, w) || !canTake(j, i, w, fillTo[j])) {
                    continue;
                }
                replace(i, w, j);
            }
        }

        /**
         * The targets joiner {@code j} wins: in every slot whose top R_i preferences include it, each fully
         * owned target it does not own yet, taken from its owner outside the top R_i, until the joiner
         * holds its fair share (one target may take it past fair, not past {@code shedAbove}).
         */
        private void takeWon(int j) {
            int joiner = eligibleIndex[j];
            for (int s = 0; s < TargetSet.SLOTS && load[j] < fair[j] - TOLERANCE; s++) {
                int rank = rankInTop(joiner, s);
                if (rank >= 0) {
                    takeWonInSlot(j, s, rank);
                }
            }
        }

        /** Eligible worker {@code e}'s position among slot {@code s}'s top (widest R) preferences, or -1. */
        private int rankInTop(int e, int s) {
            int base = s * table.k;
            for (int x = 0; x < Math.min(widest, table.len[s]); x++) {
                if (table.prefs[base + x] == e) {
                    return x;
                }
            }
            return -1;
        }

        private void takeWonInSlot(int j, int s, int rank) {
            for (int i = targets.slotStart[s]; i < targets.slotStart[s + 1]; i++) {
                if (moved[i] || everywhere(i) || rank >= replicasOf(i) || isOwner(i, j)
                        || ownerCount(i) < replicasOf(i)) {
                    continue;
                }
                int victim = worstOwnerOutsideTop(i, s);
                double after = load[j] + targets.weight(i);
                if (victim < 0 || !canTake(j, i, victim, fair[j] + targets.weight(i) - TOLERANCE)) {
                    continue;
                }
                if (after > fair[j] + TOLERANCE && after > shedAbove[j] + TOLERANCE) {
                    continue;
                }
                replace(i, victim, j);
                if (load[j] >= fair[j] - TOLERANCE) {
                    return;
                }
            }
        }

        /** The owner of target {@code i} ranked lowest in slot {@code s}'s order, if it is outside the top R_i. */
        private int worstOwnerOutsideTop(int i, int s) {
            int base = s * table.k;
            int top = Math.min(replicasOf(i), table.len[s]);
            int victim = -1;
            for (int x = slots.first(i); x < slots.end(i); x++) {
                int w = owners[x];
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
            return allowed(i, j) && !isOwner(i, j) && hardRoom(j, i)
                    && load[j] + targets.weight(i) <= limit + TOLERANCE
                    && (!zones || !zoneTakenByOther(i, j, from));
        }

        private void placeOrphans() {
            List<Integer> orphans = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                if (!everywhere(i) && ownerCount(i) < want(i)) {
                    orphans.add(i);
                }
            }
            if (orphans.isEmpty()) {
                return;
            }
            int[] order = orphans.stream().mapToInt(Integer::intValue).toArray();
            TargetSet set = targets;
            IndexSort.sort(order, (a, b) -> set.weight(a) != set.weight(b) ? Double.compare(set.weight(b), set.weight(a))
                    : Integer.compare(a, b));
            for (int replica = 0; replica < Math.min(widest, workerOfEligible.length); replica++) {
                for (int i : order) {
                    if (ownerCount(i) <= replica && replica < want(i)) {
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
            for (int w = 0; w < members.length; w++) {
                if (load[w] <= shedAbove[w] + TOLERANCE || !eligible[w]) {
                    continue;
                }
                if (byWorker == null) {
                    byWorker = targetsByWorker();
                }
                for (int pass = 0; pass < 2; pass++) {
                    for (int i : byWorker[w]) {
                        if (load[w] <= fillTo[w] + TOLERANCE) {
                            break;
                        }
                        int x = replicaOf(i, w);
                        if (x < 0 || everywhere(i) || ((placedNow[i] >>> x & 1) == 1) != (pass == 0)) {
                            continue;
                        }
                        int to = choose(i, w);
                        if (to >= 0 && load[to] + targets.weight(i) <= shedAbove[to] + TOLERANCE) {
                            replace(i, w, to);
                        }
                    }
                }
            }
        }

        /** Which of target {@code i}'s replicas (0-based) worker {@code w} holds, or -1. */
        private int replicaOf(int i, int w) {
            for (int x = slots.first(i); x < slots.end(i); x++) {
                if (owners[x] == w) {
                    return x - slots.first(i);
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
            int s = TargetSet.slot(targets.hashes[i]);
            int base = s * table.k;
            double wt = targets.weight(i);
            boolean pinned = targets.pin(i) != null;
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
                if (best >= 0 && (load[best] + wt <= shedAbove[best] + TOLERANCE || leaving < 0)) {
                    return best;
                }
                return leaving >= 0 ? -1 : best;
            }
            return leaving >= 0 ? -1 : anyHardRoom(i, s);
        }

        private boolean fits(int i, int w, int leaving, double wt, boolean zoneCheck) {
            return w != leaving && allowed(i, w) && !isOwner(i, w) && hardRoom(w, i)
                    && load[w] + wt <= fillTo[w] + TOLERANCE && (!zoneCheck || !zoneTakenByOther(i, w, leaving));
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
            Pin p = targets.pin(i);
            return p == null || p.allows(ids[w], members[w].zone());
        }

        private boolean hardRoom(int w, int i) {
            Member member = members[w];
            return (member.maxTargets() == 0 || count[w] + 1 <= member.maxTargets())
                    && (member.maxWeight() == 0
                    || load[w] + everywhereLoad[w] + targets.weight(i) <= member.maxWeight() + TOLERANCE);
        }

        private boolean zoneTakenByOther(int i, int w, int except) {
            String zone = members[w].zone();
            if (zone.isEmpty()) {
                return false;
            }
            for (int x = slots.first(i); x < slots.end(i); x++) {
                int o = owners[x];
                if (o >= 0 && o != except && zone.equals(members[o].zone())) {
                    return true;
                }
            }
            return false;
        }

        private boolean isOwner(int i, int w) {
            for (int x = slots.first(i); x < slots.end(i); x++) {
                if (owners[x] == w) {
                    return true;
                }
            }
            return false;
        }

        private int ownerCount(int i) {
            int c = 0;
            for (int x = slots.first(i); x < slots.end(i); x++) {
                if (owners[x] >= 0) {
                    c++;
                }
            }
            return c;
        }

        private void add(int i, int w) {
            for (int x = slots.first(i); x < slots.end(i); x++) {
                if (owners[x] < 0) {
                    owners[x] = w;
                    placedNow[i] |= 1 << (x - slots.first(i));
                    load[w] += targets.weight(i);
                    count[w]++;
                    updateRoom(w);
                    return;
                }
            }
            throw new IllegalStateException("target " + targets.key(i) + " already has " + slots.count(i) + " owners");
        }

        private void replace(int i, int from, int to) {
            for (int x = slots.first(i); x < slots.end(i); x++) {
                if (owners[x] == from) {
                    owners[x] = to;
                    placedNow[i] |= 1 << (x - slots.first(i));
                    load[from] -= targets.weight(i);
                    count[from]--;
                    load[to] += targets.weight(i);
                    count[to]++;
                    moved[i] = true;
                    updateRoom(from);
                    updateRoom(to);
                    return;
                }
            }
            throw new IllegalStateException("worker " + ids[from] + " does not own " + targets.key(i));
        }

        private void updateRoom(int w) {
            if (room != null) {
                double relativeRoom = (fillTo[w] - load[w]) / fillTo[w];
                room.set(w, eligible[w] && fillTo[w] > 0 ? relativeRoom : Double.NEGATIVE_INFINITY);
            }
        }

        private int[][] targetsByWorker() {
            return Assignment.listsByWorker(owners, slots, members.length);
        }
    }
}
