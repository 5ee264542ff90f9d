package io.promshard.coordinator.core;

import io.promshard.client.service.Daemons;
import com.google.common.collect.Maps;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.dropwizard.lifecycle.Managed;
import io.promshard.client.api.AssignmentManifest;
import io.promshard.client.api.ClusterState;
import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.WorkerAck;
import io.promshard.coordinator.zk.ChildNodes;
import io.promshard.coordinator.zk.LastKnown;
import io.promshard.client.api.ShardPayload;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.client.api.Target;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.drain.Drains;
import io.promshard.coordinator.inventory.Inventory;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.leader.Leadership;
import io.promshard.coordinator.membership.Membership;
import io.promshard.coordinator.publish.FencedOutException;
import io.promshard.coordinator.publish.OutputWriter;
import io.promshard.coordinator.publish.PublishResult;
import io.promshard.coordinator.publish.Publisher;
import io.promshard.coordinator.publish.Shares;
import io.promshard.coordinator.publish.StaleViewException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's control loop. Membership, inventory and leadership changes are collected and,
 * after the settle time, handled in one run on a single thread: every instance writes
 * {@code federation.json} from live membership; the leader also computes the assignment with the
 * pure {@link AssignmentEngine}, publishes what changed through the fenced {@link Publisher} and
 * writes the workers' files. Nothing is published before membership is initialized, and a new
 * leader first loads what is published, so a leader change rewrites nothing.
 *
 * <p>Lifecycle LATENT -> STARTED -> CLOSED. Owns its {@link Membership} and {@link Leadership};
 * the Curator client and the inventory service are started and closed by the caller, the client
 * first and last.
 */
public final class Coordinator implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);
    /**
     * How often the leader compares what ZooKeeper holds with what it published
     * ({@link Publisher#differenceFromZooKeeper()}): the bound on how long a znode deleted by hand
     * stays missing when no event follows.
     */
    static final Duration AUDIT_INTERVAL = Duration.ofSeconds(5);
    /** The longest a status answer waits for ZooKeeper before it answers the last state read, marked stale. */
    static final Duration STATUS_WAIT = Duration.ofMillis(500);
    private static final String ACK = "ack";
    private static final String HANDOFF_TIMEOUT = "handoff timeout";
    private static final String BUDGET = "movement budget";
    private static final String FILES = "file write retry";
    private static final String PUBLISHED_CHANGED = "published state changed outside the leader";

    private enum State { LATENT, STARTED, CLOSED }

    private final Membership membership;
    private final Drains drains;
    private final Leadership leadership;
    private final InventoryService inventory;
    private final Publisher publisher;
    private final OutputWriter output;
    private final AssignmentEngine engine;
    private final TargetSets targetSets;
    private final ChildNodes<WorkerAck> acks;
    private final SeriesWeights weights;
    private final Handoffs handoffs;
    private final long movementBudget;
    private final double maxTargetDrop;
    /** The inventory digest a large drop holds publishing for (control loop writes), or null. */
    private volatile String heldInventory;
    private volatile String publishHeld = "";
    private final Duration settleTime;
    private final Duration reassignmentDelay;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final ScheduledExecutorService executor;

    // owned by the executor thread
    private final Set<String> pendingCauses = new LinkedHashSet<>();
    private ScheduledFuture<?> pending;
    private long nextFirstCause;
    /** When the first cause of the current run arrived (System.nanoTime). */
    private long firstCause;
    private boolean loaded;
    /** Runs failed in a row; the retry backoff doubles with each. */
    private int failedRuns;
    /** Whether the last run failed (a retry is scheduled). */
    private volatile boolean failing;
    private Assignment inForce = Assignment.empty();
    private Inventory targetSetSource;
    private Map<String, Long> targetSetWeights;
    private TargetSet targetSet;
    /** Position in {@link #targetSet} of each of the inventory's keys, in inventory order. */
    private int[] inventoryIndex;
    private Set<String> filling = Set.of();
    private Shares.Index shareIndex;
    /** The shares of {@link #inForce}, as published; rebuilt only for the workers a run changes. */
    private SortedMap<String, ShardPayload> sharesInForce = new java.util.TreeMap<>();
    /** Workers whose hand-off targets changed since the shares in force were published. */
    private final Set<String> handoffChanged = new java.util.HashSet<>();
    private long handoffTimer = Long.MAX_VALUE;
    /** False until every worker's files are written once in this leadership (and after a failed write). */
    private final java.util.concurrent.atomic.AtomicBoolean outputComplete = new java.util.concurrent.atomic.AtomicBoolean();
    /** Writes the workers' files off the control loop, in publishing order: a slow disk does not delay an epoch. */
    private final ScheduledExecutorService outputExecutor;

    private volatile RebalanceEvent lastRebalance;
    private volatile int unassigned;
    private volatile List<String> heldWorkers = List.of();
    private volatile int handingOff;
    private volatile long deferredMoves;
    private final AtomicLong leaderRuns = new AtomicLong();
    private static final int MAX_EVENTS = 100;
    private final java.util.ArrayDeque<RebalanceEvent> events = new java.util.ArrayDeque<>();
    private final AtomicLong rebalances = new AtomicLong();
    private final AtomicLong movedTotal = new AtomicLong();
    private final AtomicLong publishErrors = new AtomicLong();
    private final AtomicLong outputErrors = new AtomicLong();
    private final AtomicLong bytesTotal = new AtomicLong();
    private final io.promshard.client.metrics.Histogram durations = new io.promshard.client.metrics.Histogram(
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    private volatile ClusterView view;
    private final LastKnown<ElectionView> election = new LastKnown<>("status", this::readElection,
            new ElectionView(-1, "", List.of()), STATUS_WAIT);
    private volatile CoordinatorStatus.Balance balance;

    public Coordinator(Membership membership, Leadership leadership, Drains drains, InventoryService inventory,
                       Publisher publisher, OutputWriter output, ChildNodes<WorkerAck> acks, SeriesWeights weights,
                       CoordinatorSettings settings) {
        this.acks = acks;
        this.weights = weights;
        this.handoffs = new Handoffs(settings.handoffTimeout().toMillis());
        this.movementBudget = settings.movementBudget();
        this.maxTargetDrop = settings.maxTargetDrop();
        this.membership = membership;
        this.drains = drains;
        this.leadership = leadership;
        this.inventory = inventory;
        this.publisher = publisher;
        this.output = output;
        this.settleTime = settings.settleTime();
        this.reassignmentDelay = settings.reassignmentDelay();
        this.engine = new AssignmentEngine(settings.engine());
        this.targetSets = new TargetSets(settings.pins());
        this.executor = Daemons.singleThread("promshard-coordinator");
        this.outputExecutor = Daemons.singleThread("promshard-coordinator-files");
    }

    @Override
    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Coordinator cannot be started more than once");
        }
        membership.addListener(() -> trigger("membership"));
        drains.addListener(() -> trigger("drain"));
        inventory.addListener(() -> trigger("inventory"));
        acks.addListener(() -> trigger(ACK));
        weights.addListener(() -> trigger("series weights"));
        leadership.addListener(leader -> {
            if (leader) {
                trigger("leadership");
            } else {
                executor.execute(() -> loaded = false);
            }
        });
        membership.start();
        drains.start();
        acks.start();
        weights.start();
        leadership.start();
        executor.scheduleWithFixedDelay(this::audit, AUDIT_INTERVAL.toMillis(), AUDIT_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * On the control loop, while this instance leads and no run is due: if ZooKeeper no longer holds
     * what it published (a state or manifest znode deleted or overwritten by hand), load again and
     * publish what is missing now rather than at the next event.
     */
    private void audit() {
        if (!loaded || pending != null || !leadership.isLeader()) {
            return;
        }
        try {
            Optional<String> difference = publisher.differenceFromZooKeeper();
            if (difference.isPresent()) {
                LOG.error("ZooKeeper no longer holds what this leader published: {}; loading and publishing again",
                        difference.get());
                loaded = false;
                trigger(PUBLISHED_CHANGED);
            }
        } catch (Exception e) {
            LOG.debug("cannot compare the published state with ZooKeeper now: {}", e.toString());
        }
    }

    /** Asks for a run after the settle time; causes arriving meanwhile join the same run. Never blocks. */
    public void trigger(String cause) {
        if (state.get() != State.STARTED) {
            return;
        }
        long at = System.nanoTime();
        executor.execute(() -> {
            if (pendingCauses.isEmpty()) {
                nextFirstCause = at;
            }
            pendingCauses.add(cause);
            if (pending == null) {
                pending = executor.schedule(this::run, settleTime.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private void run() {
        pending = null;
        firstCause = nextFirstCause;
        List<String> causes = new ArrayList<>(pendingCauses);
        pendingCauses.clear();
        try {
            rebalance(causes);
            failedRuns = 0;
            failing = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            retryAfterFailure(causes, e);
        }
    }

    /**
     * A run failed. Only the loss of leadership ends publishing, and Leadership's listener says so;
     * everything else (a fence check that failed while the latch still says this instance leads, a
     * commit refused because ZooKeeper holds something else than what this leader published, a
     * ZooKeeper error) is logged, counted and retried with exponential backoff, after re-reading what
     * is published when the failure says the leader's picture of it is wrong.
     */
    private void retryAfterFailure(List<String> causes, Exception e) {
        if (e instanceof FencedOutException && !leadership.isLeader()) {
            LOG.warn("not publishing for {}: {}; no longer the leader", causes, e.getMessage());
            return;
        }
        publishErrors.incrementAndGet();
        failing = true;
        boolean notCommitted = e instanceof FencedOutException || e instanceof StaleViewException;
        if (notCommitted) {
            loaded = false; // re-read the state and the manifests before computing again
        }
        if (e instanceof FencedOutException) {
            // the latch says this instance leads, but its znode is not its own first one: enter again
            try {
                leadership.rejoin();
            } catch (Exception rejoin) {
                LOG.error("cannot enter the election again: {}", rejoin.toString());
            }
        }
        long delay = Math.min(MAX_RETRY.toMillis(), RETRY.toMillis() << Math.min(failedRuns, 10));
        failedRuns++;
        if (notCommitted) {
            LOG.error("rebalance for {} not committed: {}; re-reading what is published and retrying in {} ms",
                    causes, e.getMessage(), delay);
        } else {
            LOG.error("rebalance for {} failed; retrying in {} ms", causes, delay, e);
        }
        pendingCauses.addAll(causes);
        pending = executor.schedule(this::run, delay, TimeUnit.MILLISECONDS);
    }

    private void rebalance(List<String> causes) throws Exception {
        if (!membership.isInitialized() || !inventory.isReady()) {
            return; // the initialized (ready) event triggers a run
        }
        SortedMap<String, WorkerInfo> workers = membership.snapshot();
        boolean handoffOnly = loaded && Set.of(ACK, HANDOFF_TIMEOUT).containsAll(causes);
        if (handoffOnly && handoffs.isEmpty()) {
            return; // an ack with nothing waiting for it
        }
        writeFiles("federation.json", () -> output.writeFederation(workers));
        if (!leadership.isLeader()) {
            return;
        }
        long started = System.nanoTime();
        long now = System.currentTimeMillis();
        if (!loaded) {
            SortedMap<String, ShardPayload> published = publisher.load();
            inForce = Shares.toAssignment(published, engine.settings().replication());
            handoffs.load(published, publisher.epoch(), now);
            outputComplete.set(false);
            sharesInForce = new java.util.TreeMap<>();
            filling = Set.copyOf(publisher.loadedState().map(ClusterState::filling).orElse(List.of()));
            loaded = true;
        }
        Inventory inv = inventory.current();
        Map<String, Long> learned = weights.learned();
        boolean inputsChanged = inv != targetSetSource || learned != targetSetWeights;
        if (inputsChanged) {
            targetSet = targetSets.build(inv, learned);
            inventoryIndex = targetSet.indexesOf(inv.keys());
            targetSetSource = inv;
            targetSetWeights = learned;
        }
        if (holdForDrop(inv)) {
            return; // the published assignment stays in force
        }
        Set<String> drained = drains.current();
        SortedMap<String, Membership.Departure> held = new java.util.TreeMap<>(
                membership.departedWithin(reassignmentDelay.toMillis()));
        // a worker back UNREADY within the delay stays held: a sidecar restart must not move its targets
        held.keySet().removeIf(id -> workers.containsKey(id) && workers.get(id).state() != WorkerState.UNREADY);
        heldWorkers = List.copyOf(held.keySet());
        // a previous owner keeps a moved target while it can scrape: live, its Prometheus answering
        Predicate<String> mayScrape = w -> workers.containsKey(w) && workers.get(w).state() != WorkerState.UNREADY;
        // a planned move may wait for the budget; a leaving or withdrawn worker's targets may not
        Predicate<String> mayKeep = w -> held.containsKey(w) || workers.containsKey(w)
                && (workers.get(w).state() == WorkerState.ACTIVE || workers.get(w).state() == WorkerState.DRAINING);
        Assignment next;
        long deferred = deferredMoves;
        List<Member> members = members(workers, drained, held);
        if (handoffOnly && !inputsChanged && deferred == 0) {
            next = inForce;
        } else {
            if (!held.isEmpty()) {
                long until = held.values().stream().mapToLong(Membership.Departure::atMillis).min().orElseThrow()
                        + reassignmentDelay.toMillis() - now;
                LOG.info("workers {} lost their sessions; their targets stay for up to {} ms", held.keySet(), until);
                executor.schedule(() -> trigger("reassignment delay"), Math.max(0, until) + 1, TimeUnit.MILLISECONDS);
            }
            Assignment computed = engine.assign(targetSet, members, inForce);
            long budget = movementBudget <= 0 ? Long.MAX_VALUE : Math.max(0, movementBudget - handoffs.size());
            // without a budget nothing waits: no pass over the changes to find what would
            Assignment.Limited limited = budget == Long.MAX_VALUE ? new Assignment.Limited(computed, 0, Set.of())
                    : computed.limitMoves(inForce, budget, mayKeep);
            next = limited.assignment();
            deferred = limited.deferred();
            filling = limited.filling();
            if (deferred > 0) {
                LOG.info("movement budget: {} placements wait for later epochs ({} in flight)", deferred,
                        handoffs.size());
            }
        }
        long epoch = publisher.epoch();
        Handoffs.Recorded recorded = handoffs.record(inForce, next, mayScrape, epoch + 1, now);
        Set<String> touched = recorded.touched();
        Map<String, AssignmentManifest> manifests = publisher.published();
        Map<String, WorkerAck> acked = acks.current();
        Handoffs.Released released = handoffs.release(next, epoch,
                w -> acked.containsKey(w) ? acked.get(w).epoch() : -1,
                w -> manifests.containsKey(w) ? manifests.get(w).epoch() : -1, mayScrape, now);
        if (released.timedOut() > 0) {
            LOG.warn("{} hand-offs timed out without the new owners' confirmation; their previous owners drop them",
                    released.timedOut());
        }
        java.util.Set<String> owners = new java.util.TreeSet<>(workers.keySet());
        owners.addAll(held.keySet());
        long tEngine = System.nanoTime();
        Map<String, List<String>> extras = handoffs.extras();
        boolean incremental = shareIndex != null && shareIndex.fits(inv, next.targets())
                && inForce.targets() == next.targets() && !sharesInForce.isEmpty();
        if (shareIndex == null || !shareIndex.fits(inv, next.targets())) {
            shareIndex = Shares.Index.of(inv, next.targets(), next.targets() == targetSet ? inventoryIndex : null);
        }
        handoffChanged.addAll(handoffs.takeChanged()); // kept until a publish succeeds
        touched.addAll(handoffChanged);
        SortedMap<String, ShardPayload> shares = Shares.update(shareIndex, next, owners, extras,
                incremental ? sharesInForce : Map.of(), touched);
        long tShares = System.nanoTime();
        String fence = leadership.latchPath().orElseThrow(() -> new IllegalStateException("no latch node yet"));
        PublishResult result = publisher.publish(shares, fence, inv.digest(), membershipDigest(workers),
                List.copyOf(new java.util.TreeSet<>(filling)));
        unassigned = next.underReplicated().size();
        long tPublish = System.nanoTime();
        // every file once per leadership (the directory may be stale or new), then only what changed
        boolean all = !outputComplete.getAndSet(true);
        Map<String, ShardPayload> files = all ? shares : Map.copyOf(Maps.filterKeys(shares,
                Set.copyOf(result.changedWorkers())::contains));
        writeFiles("workers' files (" + files.size() + " workers)", () -> {
            try {
                output.writeShares(files);
            } catch (IOException | RuntimeException e) {
                outputComplete.set(false); // the retry writes every file again
                throw e;
            }
        });
        Map<String, Long> shareEpochs = new java.util.HashMap<>();
        publisher.published().forEach((w, m) -> shareEpochs.put(w, m.epoch()));
        view = new ClusterView(result.epoch(), System.currentTimeMillis(), inv, next, members, shares, shareEpochs);
        balance = balance(next, members);
        if (result.wroteAnything()) {
            int moved = (int) recorded.moved();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            lastRebalance = new RebalanceEvent(result.epoch(), System.currentTimeMillis(), causes,
                    result.changedWorkers(), moved, inv.targetCount(), ms, result.bytesWritten());
            synchronized (events) {
                if (events.size() == MAX_EVENTS) {
                    events.removeFirst();
                }
                events.addLast(lastRebalance);
            }
            rebalances.incrementAndGet();
            movedTotal.addAndGet(moved);
            bytesTotal.addAndGet(result.bytesWritten());
            durations.observe(ms / 1000.0);
            LOG.info("epoch {} published for {}: {} workers, {} targets, {} moved, {} handed off, {} hand-offs ended, "
                            + "{} assignments rewritten, {} removed, {} bytes, {} ms (engine {}, shares {}, publish {}, "
                            + "waited {} since the first cause, settle time included)", result.epoch(), causes,
                    workers.size(), inv.targetCount(), moved, handoffs.size(), released.total(),
                    result.changedWorkers().size(), result.removedWorkers().size(), result.bytesWritten(), ms,
                    TimeUnit.NANOSECONDS.toMillis(tEngine - started), TimeUnit.NANOSECONDS.toMillis(tShares - tEngine),
                    TimeUnit.NANOSECONDS.toMillis(tPublish - tShares), TimeUnit.NANOSECONDS.toMillis(started - firstCause));
        }
        if (unassigned > 0) {
            LOG.warn("{} targets have fewer than {} owners: no eligible worker with room (first: {})", unassigned,
                    engine.settings().replication(), Target.display(next.underReplicated().get(0)));
        }
        inForce = next;
        sharesInForce = shares;
        handoffChanged.clear();
        deferredMoves = deferred;
        handingOff = handoffs.size();
        long deadline = handoffs.nextDeadline();
        if (deadline != Long.MAX_VALUE && deadline != handoffTimer) {
            handoffTimer = deadline;
            executor.schedule(() -> trigger(HANDOFF_TIMEOUT), Math.max(0, deadline - now) + 1, TimeUnit.MILLISECONDS);
        }
        if (deferred > 0 && handoffs.isEmpty()) {
            // nothing in flight will trigger the next step: take it after the settle time
            trigger(BUDGET);
        }
        leaderRuns.incrementAndGet();
    }

    /**
     * Whether this run must keep the published assignment because the inventory lost more than
     * {@code maxTargetDrop} of the targets in force at once, and no operator confirmed that inventory
     * (its digest in ZooKeeper, so a new leader honours the confirmation). The reason is in the status,
     * the log (once per inventory) and {@code promshard_publish_held}.
     */
    private boolean holdForDrop(Inventory inv) throws Exception {
        int before = inForce.targets().size();
        int after = targetSet.size();
        if (before == 0 || after >= before || (before - after) <= maxTargetDrop * before) {
            releaseDropHold("the targets are back");
            return false;
        }
        if (inv.digest().equals(publisher.confirmedDrop().orElse(""))) {
            releaseDropHold("the drop of " + (before - after) + " targets was confirmed");
            return false;
        }
        String reason = String.format(java.util.Locale.ROOT, "the inventory lost %d of the %d targets in force "
                + "(%.0f%%, more than assignment.maxTargetDrop %.0f%%): not published, the published assignment "
                + "stays in force until the drop is confirmed (POST /api/v1/inventory/drop/confirm) or the targets "
                + "are back", before - after, before, 100.0 * (before - after) / before, 100 * maxTargetDrop);
        if (!inv.digest().equals(heldInventory)) {
            LOG.error(reason);
        }
        heldInventory = inv.digest();
        publishHeld = reason;
        return true;
    }

    private void releaseDropHold(String why) {
        if (heldInventory != null) {
            LOG.warn("publishing again: {}", why);
        }
        heldInventory = null;
        publishHeld = "";
    }

    /**
     * Confirms the target drop this leader holds, so that the inventory it held for is published.
     *
     * @return false when no drop is held (nothing to confirm)
     */
    public boolean confirmDrop() throws Exception {
        String digest = heldInventory;
        if (digest == null || !isLeader()) {
            return false;
        }
        publisher.confirmDrop(digest);
        LOG.warn("an operator confirmed the drop held for inventory {}", digest);
        trigger("drop confirmed");
        return true;
    }

    /** Why the leader does not publish the current inventory (a large target drop), or empty. */
    public String publishHeld() {
        return isLeader() ? publishHeld : "";
    }

    /** A write of the coordinator's own files. */
    @FunctionalInterface
    private interface FileWrite {
        void write() throws IOException;
    }

    /**
     * Writes files off the control loop, in order, so that a slow or failing disk never delays or
     * aborts a publish; a failure is logged, counted and retried by a run after {@link #RETRY}.
     */
    private void writeFiles(String what, FileWrite write) {
        outputExecutor.execute(() -> {
            try {
                write.write();
            } catch (IOException | RuntimeException e) {
                outputErrors.incrementAndGet();
                LOG.error("{} not written to {}: {}; retrying in {} ms", what, output.directory(), e.toString(),
                        RETRY.toMillis());
                executor.schedule(() -> trigger(FILES), RETRY.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private List<Member> members(SortedMap<String, WorkerInfo> workers, Set<String> drained,
                                 SortedMap<String, Membership.Departure> held) {
        List<Member> members = new ArrayList<>();
        for (WorkerInfo w : workers.values()) {
            if (held.containsKey(w.id())) {
                continue; // back UNREADY within the reassignment delay: a member as held, below
            }
            Member m = new Member(w.id(), w.capacity(), w.zone(),
                    w.state() != WorkerState.ACTIVE || drained.contains(w.id()), w.maxTargets(), w.maxSeries());
            members.add(filling.contains(w.id()) ? m.asFilling() : m);
        }
        held.values().forEach(d -> members.add(new Member(d.last().id(), d.last().capacity(), d.last().zone(),
                false, d.last().maxTargets(), d.last().maxSeries()).asHeld()));
        return members;
    }

    private static CoordinatorStatus.Balance balance(Assignment a, List<Member> members) {
        Map<String, Double> loads = a.weightByWorker();
        double capacity = 0;
        double total = 0;
        int n = 0;
        for (Member m : members) {
            if (!m.draining() && !m.held()) {
                capacity += m.capacity();
                total += loads.getOrDefault(m.id(), 0.0);
                n++;
            }
        }
        if (n == 0 || total == 0) {
            return new CoordinatorStatus.Balance(0, 0, 0, "");
        }
        double max = 0;
        double worst = 0;
        String busiest = "";
        for (Member m : members) {
            if (!m.draining() && !m.held()) {
                double load = loads.getOrDefault(m.id(), 0.0);
                double ratio = load / (total * m.capacity() / capacity);
                max = Math.max(max, load);
                if (ratio > worst) {
                    worst = ratio;
                    busiest = m.id();
                }
            }
        }
        return new CoordinatorStatus.Balance(total / n, max, worst, busiest);
    }

    /** The leader's last run, or null on a standby and before the first run. */
    public ClusterView view() {
        return isLeader() ? view : null;
    }

    /** Recent rebalances that changed what is published, oldest first (at most {@value #MAX_EVENTS}). */
    public List<RebalanceEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    private record CoverageKey(ClusterView view, Map<String, WorkerAck> acks) {
    }

    private volatile Map.Entry<CoverageKey, io.promshard.client.api.Coverage> coverage;

    /**
     * Coverage of the leader's last view by the acknowledgements now (listing up to 100 targets each
     * way), or null on a standby. Cached until the view or an acknowledgement changes.
     */
    public io.promshard.client.api.Coverage coverage() {
        ClusterView v = view();
        if (v == null) {
            return null;
        }
        CoverageKey key = new CoverageKey(v, acks.current());
        Map.Entry<CoverageKey, io.promshard.client.api.Coverage> cached = coverage;
        if (cached != null && cached.getKey().view() == v && cached.getKey().acks().equals(key.acks())) {
            return cached.getValue();
        }
        io.promshard.client.api.Coverage c = CoverageCheck.compute(v, key.acks(), engine.settings().replication(), 100);
        coverage = Map.entry(key, c);
        return c;
    }

    public AssignmentEngine engine() {
        return engine;
    }

    public SeriesWeights weights() {
        return weights;
    }

    public Map<String, WorkerAck> acks() {
        return acks.current();
    }

    /** Rebalances published, placements moved, and the rebalance duration histogram, since start. */
    public long rebalances() {
        return rebalances.get();
    }

    /** Runs that failed (ZooKeeper error, write refused) and were retried. */
    public long publishErrors() {
        return publishErrors.get();
    }

    /** Failed writes of the coordinator's own files (workers' shares, federation.json) since start; each is retried. */
    public long outputErrors() {
        return outputErrors.get();
    }

    /** Whether the last run failed and a retry is scheduled. */
    public boolean publishFailing() {
        return failing;
    }

    /** Bytes the published rebalances wrote to ZooKeeper since start. */
    public long bytesWrittenTotal() {
        return bytesTotal.get();
    }

    public long movedTotal() {
        return movedTotal.get();
    }

    public io.promshard.client.metrics.Histogram durations() {
        return durations;
    }

    /** Completed runs as leader (compute and publish, whether or not anything changed) since start. */
    public long leaderRuns() {
        return leaderRuns.get();
    }

    public boolean isLeader() {
        return leadership.isLeader();
    }

    private static String membershipDigest(Map<String, WorkerInfo> workers) {
        Hasher h = Hashing.sha256().newHasher();
        workers.forEach((id, w) -> h.putString(id, StandardCharsets.UTF_8).putByte((byte) 0)
                .putInt(w.capacity()).putString(w.state().name(), StandardCharsets.UTF_8));
        return h.hash().toString();
    }

    /** What the status reads from ZooKeeper: the epoch in force and the election. */
    private record ElectionView(long epoch, String leader, List<String> participants) {
    }

    private ElectionView readElection() throws Exception {
        long epoch;
        try {
            epoch = publisher.readState().map(ClusterState::epoch).orElse(0L);
        } catch (IOException e) {
            epoch = -1; // unreadable state znode: the leader's next publish rewrites it
        }
        return new ElectionView(epoch, leadership.leaderId().orElse(""), leadership.participants());
    }

    /**
     * This coordinator's status. It never waits for ZooKeeper longer than {@link #STATUS_WAIT}: when
     * the ensemble is slow or down the epoch and the election are the last ones read, marked stale.
     */
    public CoordinatorStatus status() {
        LastKnown.Value<ElectionView> election = this.election.get();
        boolean leader = leadership.isLeader();
        ElectionView e = election.value();
        return new CoordinatorStatus(leadership.id(), leader, e.leader(), e.participants(), e.epoch(),
                membership.snapshot().size(), inventory.current().targetCount(), engine.settings().replication(),
                unassigned, leader ? balance : null, lastRebalance, heldWorkers, handingOff, deferredMoves,
                inventory.errors(), election.stale(), membership.conflicts(), publishHeld());
    }

    public Membership membership() {
        return membership;
    }

    /**
     * Znodes refused by the read limits ({@link io.promshard.coordinator.zk.BoundedChildren}): worker
     * registrations, conflicts, acks, series reports and drains, by path, with the reason.
     */
    public SortedMap<String, String> refusedZnodes() {
        SortedMap<String, String> out = new TreeMap<>(membership.refusals());
        out.putAll(acks.refusals());
        out.putAll(weights.refusals());
        out.putAll(drains.refusals());
        return out;
    }

    public Drains drains() {
        return drains;
    }

    @Override
    public void stop() throws Exception {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        outputExecutor.shutdown();
        outputExecutor.awaitTermination(10, TimeUnit.SECONDS);
        election.close();
        leadership.close();
        weights.close();
        acks.close();
        drains.close();
        membership.close();
    }
}
