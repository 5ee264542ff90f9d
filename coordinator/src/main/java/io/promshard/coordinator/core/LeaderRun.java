package io.promshard.coordinator.core;

import com.google.common.collect.Maps;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.ClusterState;
import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.WorkerAck;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.drain.Drains;
import io.promshard.coordinator.inventory.Inventory;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.leader.Leadership;
import io.promshard.coordinator.membership.Membership;
import io.promshard.coordinator.publish.PublishResult;
import io.promshard.coordinator.publish.Publisher;
import io.promshard.coordinator.publish.Shares;
import io.promshard.coordinator.zk.ChildNodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the control loop: every instance writes {@code federation.json} from live membership;
 * the leader also computes the assignment with the pure {@link AssignmentEngine}, publishes what
 * changed through the fenced {@link Publisher} and writes the workers' files. A new leader first
 * loads what is published, so a leader change rewrites nothing. The steps of {@link #run}: load if
 * newly leader, refresh the target set, place (who may own and keep what), compute, record
 * hand-offs, build shares, publish, write files, adopt what was published, report.
 *
 * <p>Owned by the coordinator's control-loop thread; what the status reads is volatile.
 */
final class LeaderRun {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderRun.class);
    static final String ACK = "ack";
    static final String HANDOFF_TIMEOUT = "handoff timeout";
    static final String BUDGET = "movement budget";
    static final String REASSIGNMENT_DELAY = "reassignment delay";

    /** How a run asks for later runs. */
    interface Triggers {
        /** A run for {@code cause} after {@code delayMillis}, then the settle time. */
        void triggerAfter(String cause, long delayMillis);
    }

    private final Membership membership;
    private final Drains drains;
    private final Leadership leadership;
    private final InventoryService inventory;
    private final Publisher publisher;
    private final OutputFiles files;
    private final AssignmentEngine engine;
    private final TargetSets targetSets;
    private final ChildNodes<WorkerAck> acks;
    private final SeriesWeights weights;
    private final Handoffs handoffs;
    private final long movementBudget;
    private final Duration reassignmentDelay;
    private final DropHold dropHold;
    private final RebalanceStats stats;
    private final Triggers triggers;
    private final CapacityAdvice capacity;

    // the leader's picture, owned by the control loop
    /** Volatile: the API reads whether the publisher's picture is this leadership's. */
    private volatile boolean loaded;
    private Assignment inForce = Assignment.empty();
    private Inventory targetSetSource;
    private Map<String, Long> targetSetWeights;
    private TargetSet targetSet;
    /** Position in {@link #targetSet} of each of the inventory's keys, in inventory order. */
    private int[] inventoryIndex;
    private LoadedIndex loadedIndex;
    /** Workers a budgeted join still owes targets, as published in the state. */
    private Set<String> filling = Set.of();
    private Shares.Index shareIndex;
    /** The shares of {@link #inForce}, as published; rebuilt only for the workers a run changes. */
    private SortedMap<String, Share> sharesInForce = new TreeMap<>();
    /** Workers whose hand-off targets changed since the shares in force were published. */
    private final Set<String> handoffChanged = new HashSet<>();
    private long handoffTimer = Long.MAX_VALUE;
    /**
     * Workers that may have scraped what they hold: those with a published share when this leader
     * loaded, and every worker whose acknowledgement this leadership has seen (a sidecar acknowledges
     * a share once its Prometheus has scraped every target of it). A worker outside this set has not
     * confirmed any share yet, so nothing it holds has been confirmed scraped: its targets move without
     * a hand-off. That is what a cold start needs: the first epochs hand the targets to the first
     * workers up, and the mass join that follows moves most of them on before anything scraped them.
     */
    private final Set<String> mayHaveScraped = new HashSet<>();
    /** False until every worker's files are written once in this leadership (and after a failed write). */
    private final AtomicBoolean outputComplete = new AtomicBoolean();

    // what the status shows
    private volatile ClusterView view;
    private volatile CoordinatorStatus.Balance balance;
    private volatile int unassigned;
    private volatile List<String> heldWorkers = List.of();
    private volatile int handingOff;
    private volatile long deferredMoves;

    LeaderRun(Membership membership, Drains drains, Leadership leadership, InventoryService inventory,
              Publisher publisher, OutputFiles files, ChildNodes<WorkerAck> acks, SeriesWeights weights,
              CoordinatorSettings settings, RebalanceStats stats, Triggers triggers) {
        this.membership = membership;
        this.drains = drains;
        this.leadership = leadership;
        this.inventory = inventory;
        this.publisher = publisher;
        this.files = files;
        this.acks = acks;
        this.weights = weights;
        this.engine = new AssignmentEngine(settings.engine());
        this.targetSets = new TargetSets(settings.pins(), settings.jobReplication());
        this.handoffs = new Handoffs(settings.handoffTimeout().toMillis());
        this.movementBudget = settings.movementBudget();
        this.reassignmentDelay = settings.reassignmentDelay();
        this.dropHold = new DropHold(settings.maxTargetDrop());
        this.stats = stats;
        this.triggers = triggers;
        this.capacity = new CapacityAdvice(settings.seriesPerWorker(), settings.scaleInMargin(),
                settings.engine().replication());
    }

    /** When this run started and finished each phase (System.nanoTime), for the log. */
    private static final class Phases {
        final long firstCause;
        final long started = System.nanoTime();
        final long startedMillis = System.currentTimeMillis();
        long engineDone;
        long handoffsDone;
        long sharesDone;
        long publishDone;

        Phases(long firstCause) {
            this.firstCause = firstCause;
        }

        long millis(long from, long to) {
            return TimeUnit.NANOSECONDS.toMillis(to - from);
        }
    }

    /**
     * Who may own and keep what in this run: the live workers, those held within the reassignment
     * delay, the engine's members, and the owners that get a share.
     *
     * @param mayScrape a previous owner keeps a moved target while it can scrape: live, its Prometheus answering
     * @param mayKeep   a planned move may wait for the budget; a leaving or withdrawn worker's targets may not
     */
    private record Placement(SortedMap<String, WorkerInfo> workers, SortedMap<String, Membership.Departure> held,
                             List<Member> members, Predicate<String> mayScrape, Predicate<String> mayKeep,
                             Set<String> owners) {
    }

    /** The assignment to publish and the placements the movement budget keeps for later epochs. */
    private record Computed(Assignment next, long deferred) {
    }

    /** What the hand-off bookkeeping saw: the moves recorded and the hand-offs ended. */
    private record HandedOff(Handoffs.Recorded recorded, Handoffs.Released released) {
    }

    /**
     * One run for {@code causes}, the first of which arrived at {@code firstCause} (System.nanoTime).
     * Returns without publishing before membership and the inventory are ready, on a standby, for an
     * acknowledgement nothing waits for, and while a large target drop is held.
     */
    void run(List<String> causes, long firstCause) throws Exception {
        if (!membership.isInitialized() || !inventory.isReady()) {
            return; // the initialized (ready) event triggers a run
        }
        SortedMap<String, WorkerInfo> workers = membership.snapshot();
        boolean handoffOnly = loaded && Set.of(ACK, HANDOFF_TIMEOUT).containsAll(causes);
        if (handoffOnly && handoffs.isEmpty()) {
            return; // an ack with nothing waiting for it
        }
        files.write("federation.json", output -> output.writeFederation(workers));
        if (!leadership.isLeader()) {
            return;
        }
        Phases phases = new Phases(firstCause);
        loadIfNewlyLeader(phases.startedMillis);
        Inventory inv = inventory.current();
        boolean inputsChanged = refreshTargetSet(inv);
        if (dropHold.holds(inForce.targets().size(), targetSet.size(), inv.digest(), publisher::confirmedDrop)) {
            return; // the published assignment stays in force
        }
        Placement placement = place(workers, phases.startedMillis);
        Computed computed = compute(placement, handoffOnly && !inputsChanged && deferredMoves == 0,
                phases.startedMillis);
        phases.engineDone = System.nanoTime();
        HandedOff handedOff = recordHandoffs(computed.next(), placement, phases.startedMillis);
        phases.handoffsDone = System.nanoTime();
        SortedMap<String, Share> shares = buildShares(inv, computed.next(), placement.owners(),
                handedOff.recorded().touched());
        phases.sharesDone = System.nanoTime();
        PublishResult result = publish(shares, inv, workers);
        phases.publishDone = System.nanoTime();
        writeFiles(shares, result);
        adopt(inv, computed, shares, placement, result, phases.startedMillis);
        report(causes, inv, placement, handedOff, result, phases);
    }

    /** A new leader (or one whose picture proved wrong) continues from what is published. */
    private void loadIfNewlyLeader(long now) throws Exception {
        if (loaded) {
            return;
        }
        SortedMap<String, Share> published = publisher.load();
        inForce = Shares.toAssignment(published, engine.settings().replication());
        handoffs.load(published, publisher.epoch(), now);
        mayHaveScraped.clear();
        mayHaveScraped.addAll(published.keySet());
        outputComplete.set(false);
        sharesInForce = new TreeMap<>();
        filling = Set.copyOf(publisher.loadedState().map(ClusterState::filling).orElse(List.of()));
        loaded = true;
    }

    /** Rebuilds the target set when the inventory or the learned weights changed; says whether they did. */
    private boolean refreshTargetSet(Inventory inv) {
        Map<String, Long> learned = weights.learned();
        boolean inputsChanged = inv != targetSetSource || learned != targetSetWeights;
        if (inputsChanged) {
            targetSet = targetSets.build(inv, learned);
            inventoryIndex = targetSet.indexesOf(inv.keys());
            targetSetSource = inv;
            targetSetWeights = learned;
        }
        return inputsChanged;
    }

    private Placement place(SortedMap<String, WorkerInfo> workers, long now) {
        Set<String> drained = drains.current();
        SortedMap<String, Membership.Departure> held = new TreeMap<>(
                membership.departedWithin(reassignmentDelay.toMillis()));
        // a worker back UNREADY within the delay stays held: a sidecar restart must not move its targets
        held.keySet().removeIf(id -> workers.containsKey(id) && workers.get(id).state() != WorkerState.UNREADY);
        heldWorkers = List.copyOf(held.keySet());
        Predicate<String> mayScrape = w -> workers.containsKey(w) && workers.get(w).state() != WorkerState.UNREADY;
        Predicate<String> mayKeep = w -> held.containsKey(w) || workers.containsKey(w)
                && (workers.get(w).state() == WorkerState.ACTIVE || workers.get(w).state() == WorkerState.DRAINING);
        Set<String> owners = new TreeSet<>(workers.keySet());
        owners.addAll(held.keySet());
        return new Placement(workers, held, members(workers, drained, held), mayScrape, mayKeep, owners);
    }

    private List<Member> members(SortedMap<String, WorkerInfo> workers, Set<String> drained,
                                 SortedMap<String, Membership.Departure> held) {
        List<Member> members = new ArrayList<>();
        for (WorkerInfo w : workers.values()) {
            if (held.containsKey(w.id())) {
                continue; // back UNREADY within the reassignment delay: a member as held, below
            }
            Member m = Member.of(w.id(), w.capacity()).inZone(w.zone()).withCaps(w.maxTargets(), w.maxSeries());
            boolean draining = w.state() != WorkerState.ACTIVE || drained.contains(w.id());
            members.add(draining ? m.asDraining() : filling.contains(w.id()) ? m.asFilling() : m);
        }
        held.values().forEach(d -> members.add(Member.of(d.last().id(), d.last().capacity()).inZone(d.last().zone())
                .withCaps(d.last().maxTargets(), d.last().maxSeries()).asHeld()));
        return members;
    }

    /**
     * The assignment to publish: the one in force when only hand-offs can have changed, else the
     * engine's, with one replica of a target moving at a time, limited by the movement budget left
     * after the hand-offs in flight.
     */
    private Computed compute(Placement placement, boolean keepInForce, long now) {
        if (keepInForce) {
            return new Computed(inForce, deferredMoves);
        }
        scheduleHeldRelease(placement.held(), now);
        Assignment computed = engine.assign(targetSet, placement.members(), inForce);
        Assignment.Limited staggered = computed.oneReplicaAtATime(inForce, handoffs::handingOff, placement.mayKeep());
        long budget = movementBudget <= 0 ? Long.MAX_VALUE : Math.max(0, movementBudget - handoffs.size());
        // without a budget nothing waits: no pass over the changes to find what would
        Assignment.Limited limited = budget == Long.MAX_VALUE ? staggered
                : staggered.assignment().limitMoves(inForce, budget, placement.mayKeep());
        Set<String> owed = new TreeSet<>(staggered.filling());
        owed.addAll(limited.filling());
        filling = owed;
        long deferred = limited == staggered ? staggered.deferred() : staggered.deferred() + limited.deferred();
        if (deferred > 0) {
            LOG.info("{} placements wait for later epochs: {} for another replica's hand-off, {} for the movement "
                    + "budget ({} in flight)", deferred, staggered.deferred(), deferred - staggered.deferred(),
                    handoffs.size());
        }
        return new Computed(limited.assignment(), deferred);
    }

    /** Held workers' targets move once the reassignment delay has passed since the first departure. */
    private void scheduleHeldRelease(SortedMap<String, Membership.Departure> held, long now) {
        if (held.isEmpty()) {
            return;
        }
        long until = held.values().stream().mapToLong(Membership.Departure::atMillis).min().orElseThrow()
                + reassignmentDelay.toMillis() - now;
        LOG.info("workers {} lost their sessions; their targets stay for up to {} ms", held.keySet(), until);
        triggers.triggerAfter(REASSIGNMENT_DELAY, Math.max(0, until) + 1);
    }

    /** Records the moves of {@code next} as hand-offs and ends those that are confirmed or timed out. */
    private HandedOff recordHandoffs(Assignment next, Placement placement, long now) {
        long epoch = publisher.epoch();
        Map<String, WorkerAck> acked = acks.current();
        mayHaveScraped.addAll(acked.keySet());
        mayHaveScraped.retainAll(placement.owners()); // an id back after it was gone starts afresh
        Handoffs.Recorded recorded = handoffs.record(inForce, next,
                w -> placement.mayScrape().test(w) && mayHaveScraped.contains(w), epoch + 1, now);
        Map<String, ShareManifest> manifests = publisher.inForce().manifests();
        Handoffs.Released released = handoffs.release(next, epoch,
                w -> acked.containsKey(w) ? acked.get(w).epoch() : -1,
                w -> manifests.containsKey(w) ? manifests.get(w).epoch() : -1, placement.mayScrape(), now);
        if (released.timedOut() > 0) {
            LOG.warn("{} hand-offs timed out without the new owners' confirmation; their previous owners drop them",
                    released.timedOut());
        }
        return new HandedOff(recorded, released);
    }

    /**
     * Every owner's share of {@code next} with its hand-off targets, rebuilt only for the workers in
     * {@code touched} (and those whose hand-offs changed) when the target set is the one in force.
     */
    private SortedMap<String, Share> buildShares(Inventory inv, Assignment next, Set<String> owners,
                                                        Set<String> touched) {
        Map<String, List<String>> extras = handoffs.extras();
        boolean incremental = shareIndex != null && shareIndex.fits(inv, next.targets())
                && inForce.targets() == next.targets() && !sharesInForce.isEmpty();
        if (shareIndex == null || !shareIndex.fits(inv, next.targets())) {
            shareIndex = Shares.Index.of(inv, next.targets(), next.targets() == targetSet ? inventoryIndex : null);
        }
        handoffChanged.addAll(handoffs.takeChanged()); // kept until a publish succeeds
        touched.addAll(handoffChanged);
        return Shares.update(shareIndex, next, owners, extras, incremental ? sharesInForce : Map.of(), touched);
    }

    private PublishResult publish(SortedMap<String, Share> shares, Inventory inv,
                                  SortedMap<String, WorkerInfo> workers) throws Exception {
        String fence = leadership.latchPath().orElseThrow(() -> new IllegalStateException("no latch node yet"));
        return publisher.publish(shares, fence, inv.digest(), membershipDigest(workers),
                List.copyOf(new TreeSet<>(filling)));
    }

    /** Every file once per leadership (the directory may be stale or new), then only what changed. */
    private void writeFiles(SortedMap<String, Share> shares, PublishResult result) {
        boolean all = !outputComplete.getAndSet(true);
        Map<String, Share> changed = all ? shares : Map.copyOf(Maps.filterKeys(shares,
                Set.copyOf(result.changedWorkers())::contains));
        files.writeDelayed("workers' files (" + changed.size() + " workers)", output -> {
            try {
                long started = System.nanoTime();
                output.writeShares(changed);
                stats.phaseTook(RebalanceStats.Phase.FILES, System.nanoTime() - started);
            } catch (IOException | RuntimeException e) {
                outputComplete.set(false); // the retry writes every file again
                throw e;
            }
        });
    }

    /**
     * What was published is in force: the next run starts from it, and the hand-off timeout and a
     * budgeted move nothing in flight will trigger are scheduled.
     */
    private void adopt(Inventory inv, Computed computed, SortedMap<String, Share> shares,
                       Placement placement, PublishResult result, long now) {
        unassigned = computed.next().underReplicated().size();
        Map<String, Long> shareEpochs = new HashMap<>();
        publisher.inForce().manifests().forEach((w, m) -> shareEpochs.put(w, m.epoch()));
        int[] index = inventoryIndexOf(inv, computed.next().targets());
        view = new ClusterView(result.epoch(), System.currentTimeMillis(), inv, computed.next(),
                placement.members(), shares, shareEpochs, index);
        balance = BalanceReport.of(computed.next(), placement.members());
        Set<String> active = new TreeSet<>();
        placement.members().stream().filter(Member::takesTargets).forEach(m -> active.add(m.id()));
        capacity.update(weights::seriesByWorker, active, computed.next()::weightByWorker);
        inForce = computed.next();
        sharesInForce = shares;
        handoffChanged.clear();
        deferredMoves = computed.deferred();
        handingOff = handoffs.size();
        long deadline = handoffs.nextDeadline();
        if (deadline != Long.MAX_VALUE && deadline != handoffTimer) {
            handoffTimer = deadline;
            triggers.triggerAfter(HANDOFF_TIMEOUT, Math.max(0, deadline - now) + 1);
        }
        if (computed.deferred() > 0 && handoffs.isEmpty()) {
            triggers.triggerAfter(BUDGET, 0); // nothing in flight will trigger the next step
        }
    }

    /**
     * The position in {@code set} of each of {@code inv}'s keys: the target set's own index, or, for
     * the set a new leader loaded (in force until the engine first runs, through every hand-off-only
     * run), one looked up once per set rather than per run.
     */
    private int[] inventoryIndexOf(Inventory inv, TargetSet set) {
        if (set == targetSet) {
            loadedIndex = null; // the loaded set is gone from this leadership's picture
            return inventoryIndex;
        }
        if (loadedIndex == null || loadedIndex.set() != set || loadedIndex.inventory() != inv) {
            loadedIndex = new LoadedIndex(inv, set, set.indexesOf(inv.keys()));
        }
        return loadedIndex.positions();
    }

    /** {@link #inventoryIndexOf} for a target set other than {@link #targetSet}. */
    private record LoadedIndex(Inventory inventory, TargetSet set, int[] positions) {
    }

    /** The phase histograms of every completed run; the event and the log line of one that changed what is published. */
    private void report(List<String> causes, Inventory inv, Placement placement, HandedOff handedOff,
                        PublishResult result, Phases phases) {
        stats.phaseTook(RebalanceStats.Phase.ENGINE, phases.engineDone - phases.started);
        stats.phaseTook(RebalanceStats.Phase.HANDOFFS, phases.handoffsDone - phases.engineDone);
        stats.phaseTook(RebalanceStats.Phase.SHARES, phases.sharesDone - phases.handoffsDone);
        stats.phaseTook(RebalanceStats.Phase.PUBLISH, phases.publishDone - phases.sharesDone);
        if (result.wroteAnything()) {
            int moved = (int) handedOff.recorded().moved();
            long ms = phases.millis(phases.started, System.nanoTime());
            stats.published(new RebalanceEvent(result.epoch(), System.currentTimeMillis(), causes,
                    result.changedWorkers(), moved, inv.targetCount(), ms, result.bytesWritten()));
            LOG.info("epoch {} published for {}: {} workers, {} targets, {} moved, {} handed off, {} hand-offs ended, "
                            + "{} assignments rewritten, {} removed, {} bytes, {} ms (engine {}, hand-offs {}, shares {}, "
                            + "publish {}, waited {} since the first cause, settle time included)", result.epoch(), causes,
                    placement.workers().size(), inv.targetCount(), moved, handoffs.size(),
                    handedOff.released().total(), result.changedWorkers().size(), result.removedWorkers().size(),
                    result.bytesWritten(), ms, phases.millis(phases.started, phases.engineDone),
                    phases.millis(phases.engineDone, phases.handoffsDone),
                    phases.millis(phases.handoffsDone, phases.sharesDone),
                    phases.millis(phases.sharesDone, phases.publishDone),
                    phases.millis(phases.firstCause, phases.started));
        }
        if (unassigned > 0) {
            LOG.warn("{} targets have fewer than {} owners: no eligible worker with room (first: {})", unassigned,
                    engine.settings().replication(), Target.display(inForce.underReplicated().get(0)));
        }
        stats.leaderRan();
    }

    private static String membershipDigest(Map<String, WorkerInfo> workers) {
        Hasher h = Hashing.sha256().newHasher();
        workers.forEach((id, w) -> h.putString(id, StandardCharsets.UTF_8).putByte((byte) 0)
                .putInt(w.capacity()).putString(w.state().name(), StandardCharsets.UTF_8));
        return h.hash().toString();
    }

    /** The next run loads what is published first (leadership lost, or the picture proved wrong). */
    void reload() {
        loaded = false;
    }

    boolean isLoaded() {
        return loaded;
    }

    AssignmentEngine engine() {
        return engine;
    }

    DropHold dropHold() {
        return dropHold;
    }

    /** The last run's view, or null before the first. */
    ClusterView view() {
        return view;
    }

    CoordinatorStatus.Balance balance() {
        return balance;
    }

    int unassigned() {
        return unassigned;
    }

    List<String> heldWorkers() {
        return heldWorkers;
    }

    /** The capacity advice of the last run, or null (turned off, no series reported, not leading yet). */
    CoordinatorStatus.Capacity capacity() {
        return capacity.current();
    }

    int handingOff() {
        return handingOff;
    }

    long deferredMoves() {
        return deferredMoves;
    }
}
