package io.promshard.coordinator.resources;

import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.Coverage;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.metrics.MetricsText;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.core.ClusterView;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.coordinator.core.RebalanceStats;
import io.promshard.coordinator.core.SeriesWeights;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.membership.Membership;
import io.promshard.coordinator.zk.LastKnown;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import java.io.Closeable;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;

/** {@code GET /metrics}: the coordinator's own metrics in Prometheus' text format. */
@Path("/metrics")
public class MetricsResource implements Closeable {

    private final Coordinator coordinator;
    private final RebalanceStats stats;
    private final Membership membership;
    private final SeriesWeights weights;
    private final InventoryService inventory;
    private final CuratorFramework curator;
    private final List<ComputeBudget> budgets;

    public MetricsResource(Coordinator coordinator, RebalanceStats stats, Membership membership,
                           SeriesWeights weights, InventoryService inventory, CuratorFramework curator,
                           List<ComputeBudget> budgets) {
        this.coordinator = coordinator;
        this.stats = stats;
        this.membership = membership;
        this.weights = weights;
        this.inventory = inventory;
        this.curator = curator;
        this.budgets = List.copyOf(budgets);
    }

    /**
     * How old a rendered page may be before a request starts the next rendering: Prometheus servers
     * and dashboards polling at once (thousands of lines at 1,000 workers) cost one rendering per
     * second, and none of them waits for it (see {@link LastKnown}).
     */
    public static final Duration RENDERED_FOR = Duration.ofSeconds(1);
    /** How long the first request waits for the first page (later ones never wait while pages render). */
    static final Duration FIRST_RENDER_WAIT = Duration.ofSeconds(10);

    /** While the session is disconnected every answer is rendered anew (one rendering at a time): it says so at once. */
    private final LastKnown<String> page = new LastKnown<>("metrics", this::render, "", FIRST_RENDER_WAIT,
            RENDERED_FOR, this::zooKeeperConnected);

    private boolean zooKeeperConnected() {
        return curator.getZookeeperClient().isConnected();
    }

    @GET
    @Produces(MetricsText.CONTENT_TYPE)
    public String metrics() {
        return page.get().value();
    }

    /** Stops the rendering thread. */
    @Override
    public void close() {
        page.close();
    }

    private String render() {
        MetricsText m = new MetricsText();
        m.family("promshard_metrics_rendered_timestamp_seconds", "gauge", "When this page was rendered: it is "
                        + "answered from memory while the next one renders, at most one a second.")
                .sample("promshard_metrics_rendered_timestamp_seconds", System.currentTimeMillis() / 1000.0);
        CoordinatorStatus status = coordinator.status();
        cluster(m, status);
        inventory(m);
        publishing(m, status);
        api(m);
        handoffs(m, status);
        leaderView(m, status);
        series(m);
        return m.toString();
    }

    /** Leadership, the ZooKeeper session, the epoch and the workers as membership reads them. */
    private void cluster(MetricsText m, CoordinatorStatus status) {
        boolean leader = coordinator.isLeader();
        m.family("promshard_coordinator_is_leader", "gauge", "1 if this coordinator is the leader, else 0.")
                .sample("promshard_coordinator_is_leader", leader ? 1 : 0);
        m.family("promshard_zookeeper_connected", "gauge", "1 if the ZooKeeper session is connected, else 0.")
                .sample("promshard_zookeeper_connected", curator.getZookeeperClient().isConnected() ? 1 : 0);
        long epoch = status.epoch();
        m.family("promshard_epoch", "gauge", "Epoch of the assignment in force, from ZooKeeper.")
                .sample("promshard_epoch", epoch);
        Map<WorkerState, Integer> byState = new EnumMap<>(WorkerState.class);
        for (WorkerState s : WorkerState.values()) {
            byState.put(s, 0);
        }
        for (WorkerInfo w : membership.snapshot().values()) {
            byState.merge(w.state(), 1, Integer::sum);
        }
        m.family("promshard_workers", "gauge", "Live workers by the state they announce.");
        byState.forEach((s, n) -> m.sample("promshard_workers", "state", s.name().toLowerCase(Locale.ROOT), n));
        m.family("promshard_worker_id_conflicts", "gauge",
                        "Worker ids a second live sidecar also claims (a copied configuration); it refuses to register.")
                .sample("promshard_worker_id_conflicts", status.workerConflicts().size());
        m.family("promshard_zookeeper_refused_znodes", "gauge",
                        "Znodes (or parents with too many children) refused by the read limits; the log names each.")
                .sample("promshard_zookeeper_refused_znodes", coordinator.refusedZnodes().size());
    }

    private void inventory(MetricsText m) {
        m.family("promshard_inventory_targets", "gauge", "Targets in the inventory.")
                .sample("promshard_inventory_targets", inventory.current().targetCount());
        m.family("promshard_inventory_refusals_total", "counter",
                        "Inventory files and sources refused since start (the last good content stayed in force).")
                .sample("promshard_inventory_refusals_total", inventory.totalRefusals());
        m.family("promshard_inventory_sources_failing", "gauge", "Inventory files and sources refused now.")
                .sample("promshard_inventory_sources_failing", inventory.errors().size());
    }

    /** What published rebalances did and what failed, with their durations. */
    private void publishing(MetricsText m, CoordinatorStatus status) {
        m.family("promshard_rebalances_total", "counter", "Rebalances this coordinator published as leader.")
                .sample("promshard_rebalances_total", stats.rebalances());
        m.family("promshard_leader_runs_total", "counter",
                        "Runs this coordinator completed as leader, whether or not they changed anything.")
                .sample("promshard_leader_runs_total", stats.leaderRuns());
        m.family("promshard_targets_moved_total", "counter", "Target placements moved by published rebalances.")
                .sample("promshard_targets_moved_total", stats.movedTotal());
        m.family("promshard_zookeeper_written_bytes_total", "counter",
                        "Bytes published rebalances wrote to ZooKeeper (chunks, manifests, state).")
                .sample("promshard_zookeeper_written_bytes_total", stats.bytesWrittenTotal());
        m.family("promshard_publish_errors_total", "counter", "Leader runs that failed and were retried.")
                .sample("promshard_publish_errors_total", stats.publishErrors());
        m.family("promshard_publish_held", "gauge",
                        "1 while the leader holds an inventory that lost more than assignment.maxTargetDrop of the targets.")
                .sample("promshard_publish_held", status.publishHeld().isEmpty() ? 0 : 1);
        m.family("promshard_publish_failing", "gauge", "1 while the leader's last run failed and a retry is scheduled.")
                .sample("promshard_publish_failing", coordinator.publishFailing() ? 1 : 0);
        m.family("promshard_output_write_errors_total", "counter",
                        "Failed writes of the coordinator's own files (workers' shares, federation.json); each retried.")
                .sample("promshard_output_write_errors_total", stats.outputErrors());
        m.histogram("promshard_rebalance_duration_seconds", "Compute and publish time of published rebalances.",
                stats.durations().snapshot());
        m.histograms("promshard_leader_phase_duration_seconds", "Time each phase of the leader's runs took: engine "
                + "(assign, stagger, budget), handoffs (record, end), shares (build), publish (ZooKeeper), files "
                + "(the workers' files, off the control loop).", "phase", stats.phases());
    }

    /** The dry runs and lookups computed and refused. */
    private void api(MetricsText m) {
        m.family("promshard_api_computations_total", "counter",
                "Dry runs and lookups computed (not answered from memory) since start.");
        budgets.forEach(b -> m.sample("promshard_api_computations_total", "endpoint", b.what(), b.computed()));
        m.family("promshard_api_busy_refusals_total", "counter",
                "Dry runs and lookups answered 429 because as many were computing already.");
        budgets.forEach(b -> m.sample("promshard_api_busy_refusals_total", "endpoint", b.what(), b.refused()));
    }

    private void handoffs(MetricsText m, CoordinatorStatus status) {
        m.family("promshard_handoffs", "gauge", "Moved targets still scraped by their previous owner.")
                .sample("promshard_handoffs", status.handoffs());
        m.family("promshard_deferred_moves", "gauge", "Planned placements waiting for the movement budget.")
                .sample("promshard_deferred_moves", status.deferredMoves());
    }

    /** The leader's last run: placement, balance and coverage (a standby has none). */
    private void leaderView(MetricsText m, CoordinatorStatus status) {
        ClusterView view = coordinator.view();
        if (view == null) {
            return;
        }
        Assignment a = view.assignment();
        m.family("promshard_unassigned_targets", "gauge",
                        "Targets with fewer owners than the replication factor (leader only).")
                .sample("promshard_unassigned_targets", a.underReplicated().size());
        m.family("promshard_worker_targets", "gauge", "Targets each worker owns (leader only).");
        a.countByWorker().forEach((w, n) -> m.sample("promshard_worker_targets", "worker", w, n));
        m.family("promshard_worker_load", "gauge",
                "Summed target weight (series once learned) each worker owns (leader only).");
        a.weightByWorker().forEach((w, n) -> m.sample("promshard_worker_load", "worker", w, n));
        if (status.balance() != null) {
            m.family("promshard_balance_max_over_fair", "gauge",
                            "The busiest worker's load over its fair share; 1 is perfect balance (leader only).")
                    .sample("promshard_balance_max_over_fair", status.balance().maxOverMean());
        }
        capacity(m, status.capacity());
        Coverage c = coordinator.coverage();
        if (c != null) {
            m.family("promshard_coverage_targets", "gauge", "Inventory targets by how many workers acknowledged "
                    + "them against the replication factor: under (a gap), exact, over (a double) (leader only).");
            m.sample("promshard_coverage_targets", "coverage", "under", c.under());
            m.sample("promshard_coverage_targets", "coverage", "exact", c.covered());
            m.sample("promshard_coverage_targets", "coverage", "over", c.over());
            m.family("promshard_coverage_job_targets", "gauge", "Each job's targets by how many workers acknowledged "
                    + "them against the job's replication: under, exact, over (leader only).");
            for (Coverage.Job j : c.jobs()) {
                String family = "promshard_coverage_job_targets";
                m.sample(family, Map.of("job", j.job(), "coverage", "under"), j.under());
                m.sample(family, Map.of("job", j.job(), "coverage", "exact"), j.covered());
                m.sample(family, Map.of("job", j.job(), "coverage", "over"), j.over());
            }
            m.family("promshard_coverage_pending_targets", "gauge",
                            "Under-covered targets whose owner has not acknowledged its share yet (leader only).")
                    .sample("promshard_coverage_pending_targets", c.pending());
        }
    }

    /** The capacity advice, when assignment.seriesPerWorker is set and workers report series (leader only). */
    private static void capacity(MetricsText m, CoordinatorStatus.Capacity c) {
        if (c == null) {
            return;
        }
        m.family("promshard_recommended_workers", "gauge", "Workers the fleet needs for the series it scrapes at "
                        + "assignment.seriesPerWorker each, with hysteresis (leader only).")
                .sample("promshard_recommended_workers", c.recommendedWorkers());
        m.family("promshard_capacity_active_workers", "gauge",
                        "Workers taking targets now: not draining, not leaving (leader only).")
                .sample("promshard_capacity_active_workers", c.activeWorkers());
        m.family("promshard_capacity_series", "gauge",
                        "Series the workers report scraping, every replica counted (leader only).")
                .sample("promshard_capacity_series", c.series());
        m.family("promshard_capacity_series_per_worker", "gauge", "The configured assignment.seriesPerWorker.")
                .sample("promshard_capacity_series_per_worker", c.seriesPerWorker());
        m.family("promshard_recommended_drain", "gauge",
                "1 for the worker to drain first when the fleet needs fewer workers (whose removal moves the least).");
        if (!c.drainFirst().isEmpty()) {
            m.sample("promshard_recommended_drain", "worker", c.drainFirst(), 1);
        }
    }

    private void series(MetricsText m) {
        m.family("promshard_worker_series", "gauge", "Series each worker's Prometheus reported for its targets.");
        weights.seriesByWorker().forEach((w, n) -> m.sample("promshard_worker_series", "worker", w, n));
    }
}
