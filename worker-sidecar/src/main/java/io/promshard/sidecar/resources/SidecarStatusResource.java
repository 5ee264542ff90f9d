package io.promshard.sidecar.resources;

import io.promshard.sidecar.assignment.AppliedState;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.client.api.WorkerAck;
import io.promshard.client.api.WorkerState;
import io.promshard.sidecar.prometheus.Acknowledger;
import io.promshard.sidecar.prometheus.ReadinessMonitor;
import io.promshard.sidecar.prometheus.SeriesReporter;
import io.promshard.sidecar.registration.WorkerRegistration;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Locale;

/** {@code GET /api/v1/status}: registration and the applied assignment. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class SidecarStatusResource {

    /**
     * The answer.
     *
     * @param state            what the worker announces (UNREADY while its Prometheus does not answer)
     * @param prometheusReady  whether the local Prometheus answered /-/ready last (true without one)
     * @param ackedEpoch       the epoch last acknowledged, 0 before the first
     * @param ackLagMillis     how long the applied assignment has waited for its ack
     * @param unconfirmed      applied targets the local Prometheus has not scraped yet
     * @param instance         this sidecar process, as its registration names it
     * @param conflict         why it does not register (another live sidecar holds the worker id), else empty
     * @param scraper          the scraper's kind: prometheus, agent, vmagent; unknown before it answers; none without one
     * @param seriesSource     where the series per target come from: query, targets, remote_query, none (a
     *                         Prometheus agent without {@code seriesQueryUrl}: the coordinator weighs its targets by
     *                         the mean weight the others report), unknown before the scraper answers
     */
    public record SidecarStatus(boolean registered, WorkerState state, boolean prometheusReady, String outputDirectory,
                                AppliedState applied, long ackedEpoch, long ackLagMillis, int unconfirmed,
                                String instance, String conflict, String scraper, String seriesSource) {
    }

    private final WorkerRegistration registration;
    private final ShareWatcher watcher;
    private final Acknowledger acknowledger;
    private final ReadinessMonitor readiness;
    private final SeriesReporter series;

    /**
     * @param readiness null when the sidecar runs without a Prometheus to ask
     * @param series    null likewise
     */
    public SidecarStatusResource(WorkerRegistration registration, ShareWatcher watcher, Acknowledger acknowledger,
                                 ReadinessMonitor readiness, SeriesReporter series) {
        this.series = series;
        this.registration = registration;
        this.watcher = watcher;
        this.acknowledger = acknowledger;
        this.readiness = readiness;
    }

    @GET
    public SidecarStatus status() {
        WorkerAck ack = acknowledger.last();
        return new SidecarStatus(registration.isRegistered(), registration.state(),
                readiness == null || readiness.isReady(), watcher.directory().path().toString(), watcher.applied(),
                ack == null ? 0 : ack.epoch(), acknowledger.lagMillis(), acknowledger.unconfirmed(),
                registration.info().instance(), registration.conflict() == null ? "" : registration.conflict().describe(),
                series == null ? "none" : series.scraperKind(),
                series == null ? "none" : series.source().name().toLowerCase(Locale.ROOT));
    }
}
