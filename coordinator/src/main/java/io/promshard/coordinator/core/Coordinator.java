package io.promshard.coordinator.core;

import io.dropwizard.lifecycle.Managed;
import io.promshard.client.api.ClusterState;
import io.promshard.client.api.Coverage;
import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.WorkerAck;
import io.promshard.service.Daemons;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.drain.Drains;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.leader.Leadership;
import io.promshard.coordinator.membership.Membership;
import io.promshard.coordinator.publish.FencedOutException;
import io.promshard.coordinator.publish.OutputWriter;
import io.promshard.coordinator.publish.Publisher;
import io.promshard.coordinator.publish.StaleViewException;
import io.promshard.coordinator.zk.BoundedChildren;
import io.promshard.coordinator.zk.ChildNodes;
import io.promshard.coordinator.zk.LastKnown;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's control loop. Membership, inventory and leadership changes are collected and,
 * after the settle time, handled in one {@link LeaderRun} on a single thread; a failed run is retried
 * with backoff, and only the loss of leadership stops publishing. While this instance leads, it also
 * audits every {@link #AUDIT_INTERVAL} that ZooKeeper still holds what it published.
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
    /**
     * How old the election and a standby's epoch may be before a status request refreshes them: any
     * number of clients polling cost one ZooKeeper read per second (the leader's epoch is its own).
     */
    public static final Duration STATUS_REFRESH = Duration.ofSeconds(1);
    private static final String FILES = "file write retry";
    private static final String PUBLISHED_CHANGED = "published state changed outside the leader";
    /** Targets a coverage answer lists each way (under, over). */
    private static final int COVERAGE_LISTED = 100;

    private enum State { LATENT, STARTED, CLOSED }

    private final Membership membership;
    private final Drains drains;
    private final Leadership leadership;
    private final InventoryService inventory;
    private final Publisher publisher;
    private final ChildNodes<WorkerAck> acks;
    private final SeriesWeights weights;
    private final Duration settleTime;
    private final RebalanceStats stats = new RebalanceStats();
    private final OutputFiles files;
    private final LeaderRun leaderRun;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final ScheduledExecutorService executor;

    // owned by the executor thread
    private final Set<String> pendingCauses = new LinkedHashSet<>();
    private ScheduledFuture<?> pending;
    private long nextFirstCause;
    /** Runs failed in a row; the retry backoff doubles with each. */
    private int failedRuns;
    /** Whether the last run failed (a retry is scheduled). */
    private volatile boolean failing;

    private final LastKnown<ElectionView> election;
    private volatile CoverageCache coverage;
    private final ScheduledExecutorService coverageExecutor = Daemons.singleThread("promshard-coverage");
    /**
     * The least time between two coverage computations (a pass over every placement: about a second
     * of CPU and a few hundred MB of short-lived garbage at a million targets).
     */
    static final Duration COVERAGE_INTERVAL = Duration.ofSeconds(15);
    private final AtomicBoolean coverageQueued = new AtomicBoolean();
    /** The shares' targets as indexes, kept across coverage computations for the shares that did not change. */
    private final CoverageCheck.ShareIndexes coverageIndexes = new CoverageCheck.ShareIndexes();

    public Coordinator(Membership membership, Leadership leadership, Drains drains, InventoryService inventory,
                       Publisher publisher, OutputWriter output, ChildNodes<WorkerAck> acks, SeriesWeights weights,
                       CoordinatorSettings settings) {
        this.membership = membership;
        this.drains = drains;
        this.leadership = leadership;
        this.inventory = inventory;
        this.publisher = publisher;
        this.acks = acks;
        this.weights = weights;
        this.settleTime = settings.settleTime();
        this.executor = Daemons.singleThread("promshard-coordinator");
        this.files = new OutputFiles(output, stats, () -> triggerAfter(FILES, OutputFiles.RETRY.toMillis()));
        this.election = new LastKnown<>("status", this::readElection, new ElectionView(-1, "", List.of()),
                STATUS_WAIT, STATUS_REFRESH, leadership::connected);
        this.leaderRun = new LeaderRun(membership, drains, leadership, inventory, publisher, files, acks, weights,
                settings, stats, this::triggerAfter);
    }

    @Override
    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Coordinator cannot be started more than once");
        }
        membership.addListener(() -> trigger("membership"));
        drains.addListener(() -> trigger("drain"));
        inventory.addListener(() -> trigger("inventory"));
        acks.addListener(() -> trigger(LeaderRun.ACK));
        weights.addListener(() -> trigger("series weights"));
        leadership.addListener(leader -> {
            if (leader) {
                trigger("leadership");
            } else {
                executor.execute(leaderRun::reload);
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
        if (!leaderRun.isLoaded() || pending != null || !leadership.isLeader()) {
            return;
        }
        try {
            Optional<String> difference = publisher.differenceFromZooKeeper();
            if (difference.isPresent()) {
                LOG.error("ZooKeeper no longer holds what this leader published: {}; loading and publishing again",
                        difference.get());
                leaderRun.reload();
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

    /** {@link #trigger} after {@code delayMillis} (at once when 0). */
    private void triggerAfter(String cause, long delayMillis) {
        if (delayMillis <= 0) {
            trigger(cause);
        } else if (state.get() == State.STARTED) {
            executor.schedule(() -> trigger(cause), delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void run() {
        pending = null;
        long firstCause = nextFirstCause;
        List<String> causes = new ArrayList<>(pendingCauses);
        pendingCauses.clear();
        try {
            leaderRun.run(causes, firstCause);
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
        stats.publishFailed();
        failing = true;
        boolean notCommitted = e instanceof FencedOutException || e instanceof StaleViewException;
        if (notCommitted) {
            leaderRun.reload(); // re-read the state and the manifests before computing again
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

    /**
     * Confirms the target drop this leader holds, so that the inventory it held for is published.
     *
     * @return false when no drop is held (nothing to confirm)
     */
    public boolean confirmDrop() throws Exception {
        Optional<String> digest = leaderRun.dropHold().heldInventory();
        if (digest.isEmpty() || !isLeader()) {
            return false;
        }
        publisher.confirmDrop(digest.get());
        LOG.warn("an operator confirmed the drop held for inventory {}", digest.get());
        trigger("drop confirmed");
        return true;
    }

    /** Why the leader does not publish the current inventory (a large target drop), or empty. */
    public String publishHeld() {
        return isLeader() ? leaderRun.dropHold().reason() : "";
    }

    /** The leader's last run, or null on a standby and before the first run. */
    public ClusterView view() {
        return isLeader() ? leaderRun.view() : null;
    }

    /** Recent rebalances that changed what is published, oldest first (at most {@value RebalanceStats#MAX_EVENTS}). */
    public List<RebalanceEvent> events() {
        return stats.events();
    }

    /** The coverage computed for one view and one set of acknowledgements. */
    private record CoverageCache(ClusterView view, Map<String, WorkerAck> acks, Coverage coverage, long atMillis) {
    }

    /**
     * Coverage of the leader's last view by the acknowledgements (listing up to
     * {@value #COVERAGE_LISTED} targets each way), or null on a standby. Computing it is a pass over
     * every placement (a second at a million targets), so it is computed once per change on one
     * thread of its own and every request answers the last result at once: when the view or an
     * acknowledgement changed since, a recomputation is queued (at most one, and at least
     * {@link #COVERAGE_INTERVAL} after the last), so an answer is at most that far behind. Only the
     * very first request waits for it.
     */
    public Coverage coverage() {
        ClusterView v = view();
        if (v == null) {
            return null;
        }
        CoverageCache cached = coverage;
        if (cached == null) {
            return computeCoverage(v).coverage();
        }
        boolean changed = cached.view() != v || !cached.acks().equals(acks.current());
        if (changed && coverageQueued.compareAndSet(false, true)) {
            // at most one computation per COVERAGE_INTERVAL: while acks keep changing (a rebalance), a
            // request per second would otherwise keep a core busy with a pass per ack
            long wait = Math.max(0, cached.atMillis() + COVERAGE_INTERVAL.toMillis() - System.currentTimeMillis());
            coverageExecutor.schedule(() -> {
                coverageQueued.set(false);
                ClusterView latest = view();
                if (latest != null) {
                    computeCoverage(latest);
                }
            }, wait, TimeUnit.MILLISECONDS);
        }
        return cached.coverage();
    }

    /** One computation at a time: a request arriving meanwhile waits for it rather than starting another. */
    private synchronized CoverageCache computeCoverage(ClusterView v) {
        Map<String, WorkerAck> now = acks.current();
        CoverageCache cached = coverage;
        if (cached != null && cached.view() == v && cached.acks().equals(now)) {
            return cached;
        }
        coverage = new CoverageCache(v, now, CoverageCheck.compute(v, now, leaderRun.engine().settings().replication(),
                COVERAGE_LISTED, coverageIndexes), System.currentTimeMillis());
        return coverage;
    }

    public AssignmentEngine engine() {
        return leaderRun.engine();
    }

    /** What this coordinator counted since start: rebalances, moves, bytes, durations, failures. */
    public RebalanceStats stats() {
        return stats;
    }

    /** Whether the last run failed and a retry is scheduled. */
    public boolean publishFailing() {
        return failing;
    }

    /** Runs that failed (ZooKeeper error, write refused) and were retried. */
    public long publishErrors() {
        return stats.publishErrors();
    }

    /** Failed writes of the coordinator's own files (workers' shares, federation.json) since start; each is retried. */
    public long outputErrors() {
        return stats.outputErrors();
    }

    /** Completed runs as leader (compute and publish, whether or not anything changed) since start. */
    public long leaderRuns() {
        return stats.leaderRuns();
    }

    public boolean isLeader() {
        return leadership.isLeader();
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
        LastKnown.Value<ElectionView> read = election.get();
        boolean leader = leadership.isLeader();
        ElectionView e = read.value();
        long epoch = publishedInForce().map(Publisher.InForce::epoch).orElse(e.epoch());
        return new CoordinatorStatus(leadership.id(), leader, e.leader(), e.participants(), epoch,
                membership.snapshot().size(), inventory.current().targetCount(),
                leaderRun.engine().settings().replication(), leaderRun.unassigned(),
                leader ? leaderRun.balance() : null, stats.last(), leaderRun.heldWorkers(), leaderRun.handingOff(),
                leaderRun.deferredMoves(), inventory.errors(), read.stale(), membership.conflicts(), publishHeld(),
                leader ? leaderRun.capacity() : null);
    }

    /**
     * Znodes refused by the read limits ({@link BoundedChildren}): worker registrations, conflicts,
     * acks, series reports and drains, by path, with the reason.
     */
    public SortedMap<String, String> refusedZnodes() {
        SortedMap<String, String> out = new TreeMap<>(membership.refusals());
        out.putAll(acks.refusals());
        out.putAll(weights.refusals());
        out.putAll(drains.refusals());
        return out;
    }

    /**
     * On a leader that has loaded what is published: the epoch and manifests it published, from
     * memory. Empty on a standby, which reads them from ZooKeeper.
     */
    public Optional<Publisher.InForce> publishedInForce() {
        return leadership.isLeader() && leaderRun.isLoaded() ? Optional.of(publisher.inForce()) : Optional.empty();
    }

    /** Whether the ZooKeeper session is connected now. */
    public boolean zooKeeperConnected() {
        return leadership.connected();
    }

    /** The live workers, as this coordinator's membership reads them (for wiring the resources). */
    public Membership membership() {
        return membership;
    }

    /** The drains operators asked for (for wiring the resources). */
    public Drains drains() {
        return drains;
    }

    /** The series weights learned from the workers' reports (for wiring the resources). */
    public SeriesWeights weights() {
        return weights;
    }

    /** The workers' acknowledgements (for wiring the resources). */
    public ChildNodes<WorkerAck> acks() {
        return acks;
    }

    @Override
    public void stop() throws Exception {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        executor.shutdownNow();
        coverageExecutor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        files.close();
        election.close();
        leadership.close();
        weights.close();
        acks.close();
        drains.close();
        membership.close();
    }
}
