package io.promshard.sidecar.resources;

import io.promshard.client.api.WorkerAck;
import io.promshard.client.metrics.MetricsText;
import io.promshard.sidecar.assignment.AppliedState;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.prometheus.Acknowledger;
import io.promshard.sidecar.prometheus.LingeringTargets;
import io.promshard.sidecar.prometheus.ReadinessMonitor;
import io.promshard.sidecar.prometheus.SeriesReporter;
import io.promshard.sidecar.registration.WorkerRegistration;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import java.util.Locale;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;

/** {@code GET /metrics}: the sidecar's own metrics in Prometheus' text format. */
@Path("/metrics")
public class SidecarMetricsResource {

    private final WorkerRegistration registration;
    private final ShareWatcher watcher;
    private final Acknowledger acknowledger;
    private final ReadinessMonitor readiness;
    private final LingeringTargets lingering;
    private final SeriesReporter series;
    private final CuratorFramework curator;

    /**
     * @param readiness null when the sidecar runs without a Prometheus to ask
     * @param lingering null when departed down targets do not linger
     * @param series    null when the sidecar runs without a Prometheus to ask
     */
    public SidecarMetricsResource(WorkerRegistration registration, ShareWatcher watcher, Acknowledger acknowledger,
                                  ReadinessMonitor readiness, LingeringTargets lingering, SeriesReporter series,
                                  CuratorFramework curator) {
        this.series = series;
        this.registration = registration;
        this.watcher = watcher;
        this.acknowledger = acknowledger;
        this.readiness = readiness;
        this.lingering = lingering;
        this.curator = curator;
    }

    @GET
    @Produces(MetricsText.CONTENT_TYPE)
    public String metrics() {
        AppliedState applied = watcher.applied();
        WorkerAck ack = acknowledger.last();
        MetricsText m = new MetricsText();
        m.family("promshard_sidecar_registered", "gauge", "1 while the worker's membership znode exists, else 0.")
                .sample("promshard_sidecar_registered", registration.isRegistered() ? 1 : 0);
        m.family("promshard_sidecar_id_conflict", "gauge",
                        "1 while another live sidecar holds this sidecar's worker id (it then acts as no worker), else 0.")
                .sample("promshard_sidecar_id_conflict", registration.conflict() == null ? 0 : 1);
        m.family("promshard_zookeeper_connected", "gauge", "1 if the ZooKeeper session is connected, else 0.")
                .sample("promshard_zookeeper_connected", curator.getZookeeperClient().isConnected() ? 1 : 0);
        m.family("promshard_sidecar_applied_epoch", "gauge", "Epoch of the assignment whose files are written.")
                .sample("promshard_sidecar_applied_epoch", applied.epoch());
        m.family("promshard_sidecar_applied_timestamp_seconds", "gauge",
                        "When the applied assignment was written, Unix time; 0 before the first.")
                .sample("promshard_sidecar_applied_timestamp_seconds", applied.appliedAtMillis() / 1000.0);
        m.family("promshard_sidecar_targets", "gauge", "Targets in the written files: owned, kept for a hand-off, and "
                + "left this worker while down here (lingering until they are up).");
        m.sample("promshard_sidecar_targets", "kind", "owned", applied.targets());
        m.sample("promshard_sidecar_targets", "kind", "handoff", applied.handoff());
        m.sample("promshard_sidecar_targets", "kind", "lingering", lingering == null ? 0 : lingering.count());
        m.family("promshard_sidecar_file_writes_total", "counter", "file_sd files written (content changed).")
                .sample("promshard_sidecar_file_writes_total", watcher.fileWrites());
        m.histogram("promshard_sidecar_apply_duration_seconds",
                "From reading a published share to its file_sd files written, for each share applied.",
                watcher.applyDurations());
        m.family("promshard_sidecar_file_write_errors_total", "counter",
                        "Attempts to write the file_sd files that failed (the last files stayed).")
                .sample("promshard_sidecar_file_write_errors_total", watcher.writeErrors());
        m.family("promshard_sidecar_assignment_refusals_total", "counter",
                        "Published assignments refused as corrupt (the last files stayed).")
                .sample("promshard_sidecar_assignment_refusals_total", applied.errors());
        m.family("promshard_sidecar_acked_epoch", "gauge", "Epoch last acknowledged to the coordinator.")
                .sample("promshard_sidecar_acked_epoch", ack == null ? 0 : ack.epoch());
        m.family("promshard_sidecar_ack_lag_seconds", "gauge",
                        "How long the applied assignment has waited for its acknowledgement (0 when acknowledged).")
                .sample("promshard_sidecar_ack_lag_seconds", acknowledger.lagMillis() / 1000.0);
        m.family("promshard_sidecar_unconfirmed_targets", "gauge",
                        "Applied targets the local Prometheus does not scrape yet.")
                .sample("promshard_sidecar_unconfirmed_targets", acknowledger.unconfirmed());
        m.family("promshard_sidecar_prometheus_up", "gauge",
                        "1 if the local Prometheus answered its readiness check last (1 when none is configured).")
                .sample("promshard_sidecar_prometheus_up", readiness == null || readiness.isReady() ? 1 : 0);
        m.family("promshard_sidecar_scraper_info", "gauge", "The local scraper's kind (prometheus, agent, vmagent; "
                        + "unknown before it answers) and where series per target come from (query, targets, "
                        + "remote_query, none, unknown).")
                .sample("promshard_sidecar_scraper_info", Map.of("kind", series == null ? "none" : series.scraperKind(),
                        "series_source", series == null ? "none" : series.source().name().toLowerCase(Locale.ROOT)), 1);
        return m.toString();
    }
}
