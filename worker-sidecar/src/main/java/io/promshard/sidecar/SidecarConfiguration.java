package io.promshard.sidecar;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.util.Duration;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.service.Loopback;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ZkLayout;
import io.promshard.service.ZooKeeperSettings;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.prometheus.Acknowledger;
import io.promshard.sidecar.prometheus.LingeringTargets;
import io.promshard.sidecar.prometheus.PrometheusClient;
import io.promshard.sidecar.prometheus.ReadinessMonitor;
import io.promshard.sidecar.prometheus.Scraper;
import io.promshard.sidecar.prometheus.ScraperKind;
import io.promshard.sidecar.prometheus.SeriesReporter;
import io.promshard.sidecar.registration.WorkerRegistration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;

/** {@code sidecar.yml}. Every option is described in ops/sidecar.yml. */
public class SidecarConfiguration extends Configuration {

    @Valid
    @NotNull
    private ZooKeeperSettings zookeeper = new ZooKeeperSettings();

    @Valid
    @NotNull
    private WorkerSettings worker = new WorkerSettings();

    @Valid
    @NotNull
    private PrometheusSettings prometheus = new PrometheusSettings();

    /** Where this worker's file_sd files are written: one {@code <job>.json} per job. */
    @NotEmpty
    private String outputDirectory = "./promshard-sd";

    public SidecarConfiguration() {
        Loopback.bindByDefault(this);
    }

    /** What this worker announces first: UNREADY until its Prometheus answers, when there is one to ask. */
    public WorkerInfo workerInfo() {
        return new WorkerInfo(WorkerInfo.FORMAT, worker.getId(), worker.getPrometheusUrl(), worker.getSidecarUrl(),
                worker.getZone(), worker.getCapacity(), prometheus.isEnabled() ? WorkerState.UNREADY : WorkerState.ACTIVE,
                worker.getMaxTargets(), worker.getMaxSeries());
    }

    /** The local Prometheus' API, or null when {@code prometheus.enabled} is false. */
    public PrometheusClient buildPrometheusClient() {
        return prometheus.isEnabled()
                ? new PrometheusClient(worker.getPrometheusUrl(), prometheus.getRequestTimeout().toJavaDuration())
                : null;
    }

    /** Polls readiness and announces ACTIVE / UNREADY; not started. */
    public ReadinessMonitor buildReadinessMonitor(PrometheusClient client, WorkerRegistration registration) {
        return new ReadinessMonitor(client, registration, prometheus.getReadinessInterval().toJavaDuration(),
                prometheus.getWithdrawAfter().toJavaDuration());
    }

    /** Acknowledges applied assignments (confirmed by {@code client} when not null); not started. */
    public Acknowledger buildAcknowledger(CuratorFramework curator, ShareWatcher watcher, PrometheusClient client,
                                         BooleanSupplier ready) {
        return new Acknowledger(curator, zookeeper.layout(), watcher, worker.getId(), client, ready,
                prometheus.getConfirmInterval().toJavaDuration());
    }

    /**
     * Keeps departed down targets in {@code watcher}'s files (see {@link LingeringTargets}); null when
     * {@code prometheus.lingerWhileDown} is 0. Not started.
     */
    public LingeringTargets buildLingeringTargets(ShareWatcher watcher, PrometheusClient client) {
        if (prometheus.getLingerWhileDown().toMilliseconds() == 0) {
            return null;
        }
        LingeringTargets lingering = new LingeringTargets(client, worker.getId(),
                prometheus.getLingerWhileDown().toJavaDuration(), prometheus.getConfirmInterval().toJavaDuration(),
                System::currentTimeMillis);
        lingering.attachTo(watcher);
        return lingering;
    }

    /**
     * Reports series per target from what the scraper behind {@code client} offers (its kind as
     * {@code prometheus.kind} says, or detected), or from {@code prometheus.seriesQueryUrl}; not started.
     */
    public SeriesReporter buildSeriesReporter(CuratorFramework curator, ShareWatcher watcher,
                                              PrometheusClient client, BooleanSupplier ready) {
        String kind = prometheus.getKind();
        Scraper scraper = new Scraper(client, kind.equals("auto") ? null : ScraperKind.named(kind));
        PrometheusClient remote = prometheus.getSeriesQueryUrl().isEmpty() ? null
                : new PrometheusClient(prometheus.getSeriesQueryUrl(), prometheus.getRequestTimeout().toJavaDuration());
        return new SeriesReporter(curator, zookeeper.layout(), watcher, worker.getId(), client, scraper, remote, ready,
                prometheus.getSeriesReportInterval().toJavaDuration(), prometheus.getSeriesQuery());
    }

    @JsonProperty
    public PrometheusSettings getPrometheus() {
        return prometheus;
    }

    @JsonProperty
    public void setPrometheus(PrometheusSettings prometheus) {
        this.prometheus = prometheus;
    }

    /** The {@code prometheus:} block: how the sidecar works with its local Prometheus ({@code worker.prometheusUrl}). */
    public static class PrometheusSettings {
        /**
         * Ask the local Prometheus: register ACTIVE only once it is ready, withdraw when it is not,
         * acknowledge an assignment once it scrapes every target, report series per target. Off: the
         * worker is ACTIVE at once and acknowledges written files (for trying promshard without Prometheus).
         */
        private boolean enabled = true;

        @NotNull
        private Duration readinessInterval = Duration.seconds(1);

        /** Withdraw the worker (its targets move) after its Prometheus has not been ready for this long. */
        @NotNull
        private Duration withdrawAfter = Duration.seconds(30);

        /** How often to ask /api/v1/targets whether the applied targets have been scraped. */
        @NotNull
        private Duration confirmInterval = Duration.seconds(1);

        /** At most one series report per this interval, and only when a rounded count changed. */
        @NotNull
        private Duration seriesReportInterval = Duration.seconds(60);

        /**
         * The scraper this sidecar serves: {@code prometheus}, {@code agent} (Prometheus in agent mode),
         * {@code vmagent}, or {@code auto} to learn it from its readiness answer. It decides where the
         * series per target come from (see {@code ScraperKind}).
         */
        @NotNull
        @Pattern(regexp = "auto|prometheus|agent|vmagent", message = "must be auto, prometheus, agent or vmagent")
        private String kind = "auto";
        /**
         * A Prometheus-compatible query API (a remote storage such as VictoriaMetrics) to ask
         * {@code seriesQuery} instead of the scraper: for a Prometheus agent, which has none. The query
         * must then select this worker's samples (for example by its external label). Empty: the scraper.
         */
        @NotNull
        private String seriesQueryUrl = "";
        /** Instant query giving series per target, with the targets' job and instance labels. */
        @NotEmpty
        private String seriesQuery = "scrape_samples_post_metric_relabeling";

        @NotNull
        private Duration requestTimeout = Duration.seconds(5);

        /**
         * A target leaving this worker while its Prometheus sees it down stays in the files until it
         * is up, at most this long, so that its alert does not resolve here while it still fires on
         * the other replicas (see {@code LingeringTargets}); 0 lets it leave at once.
         */
        @NotNull
        private Duration lingerWhileDown = Duration.minutes(30);

        @JsonProperty
        public Duration getLingerWhileDown() {
            return lingerWhileDown;
        }

        @JsonProperty
        public void setLingerWhileDown(Duration lingerWhileDown) {
            this.lingerWhileDown = lingerWhileDown;
        }

        @JsonProperty
        public boolean isEnabled() {
            return enabled;
        }

        @JsonProperty
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        @JsonProperty
        public Duration getReadinessInterval() {
            return readinessInterval;
        }

        @JsonProperty
        public void setReadinessInterval(Duration readinessInterval) {
            this.readinessInterval = readinessInterval;
        }

        @JsonProperty
        public Duration getWithdrawAfter() {
            return withdrawAfter;
        }

        @JsonProperty
        public void setWithdrawAfter(Duration withdrawAfter) {
            this.withdrawAfter = withdrawAfter;
        }

        @JsonProperty
        public Duration getConfirmInterval() {
            return confirmInterval;
        }

        @JsonProperty
        public void setConfirmInterval(Duration confirmInterval) {
            this.confirmInterval = confirmInterval;
        }

        @JsonProperty
        public Duration getSeriesReportInterval() {
            return seriesReportInterval;
        }

        @JsonProperty
        public void setSeriesReportInterval(Duration seriesReportInterval) {
            this.seriesReportInterval = seriesReportInterval;
        }

        @JsonProperty
        public String getKind() {
            return kind;
        }

        @JsonProperty
        public void setKind(String kind) {
            this.kind = kind;
        }

        @JsonProperty
        public String getSeriesQueryUrl() {
            return seriesQueryUrl;
        }

        @JsonProperty
        public void setSeriesQueryUrl(String seriesQueryUrl) {
            this.seriesQueryUrl = seriesQueryUrl;
        }

        @JsonProperty
        public String getSeriesQuery() {
            return seriesQuery;
        }

        @JsonProperty
        public void setSeriesQuery(String seriesQuery) {
            this.seriesQuery = seriesQuery;
        }

        @JsonProperty
        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        @JsonProperty
        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }
    }

    /** The registration of this worker, not started; a hand-over waits for {@code watcher} to apply an empty share. */
    public WorkerRegistration buildRegistration(CuratorFramework client, ShareWatcher watcher) {
        WorkerRegistration registration = new WorkerRegistration(client, zookeeper.layout(), workerInfo(),
                worker.isHandOverOnShutdown(), () -> watcher.applied().empty());
        // a duplicate of a live sidecar (a copied configuration) must not write that worker's files
        watcher.applyOnlyWhile(registration::ownsId);
        return registration;
    }

    /** The watcher applying this worker's assignment to {@link #getOutputDirectory()}, not started. */
    public ShareWatcher buildShareWatcher(CuratorFramework client) {
        ZkLayout layout = zookeeper.layout();
        return new ShareWatcher(client, layout, worker.getId(), new ShareCodec(),
                new FileSdDirectory(Path.of(outputDirectory)));
    }

    @JsonProperty
    public ZooKeeperSettings getZookeeper() {
        return zookeeper;
    }

    @JsonProperty
    public void setZookeeper(ZooKeeperSettings zookeeper) {
        this.zookeeper = zookeeper;
    }

    @JsonProperty
    public WorkerSettings getWorker() {
        return worker;
    }

    @JsonProperty
    public void setWorker(WorkerSettings worker) {
        this.worker = worker;
    }

    @JsonProperty
    public String getOutputDirectory() {
        return outputDirectory;
    }

    @JsonProperty
    public void setOutputDirectory(String outputDirectory) {
        this.outputDirectory = outputDirectory;
    }

    /** The {@code worker:} block: what this sidecar announces. */
    public static class WorkerSettings {
        @NotEmpty
        @Pattern(regexp = "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}", message = "must be 1-128 of A-Z a-z 0-9 . _ -")
        private String id;

        @NotNull
        private String prometheusUrl = "http://127.0.0.1:9090";

        @NotNull
        private String sidecarUrl = "";

        @NotNull
        private String zone = "";

        @Min(1)
        private int capacity = 1;

        @Min(0)
        private int maxTargets;

        private boolean handOverOnShutdown;

        @JsonProperty
        public boolean isHandOverOnShutdown() {
            return handOverOnShutdown;
        }

        @JsonProperty
        public void setHandOverOnShutdown(boolean handOverOnShutdown) {
            this.handOverOnShutdown = handOverOnShutdown;
        }

        @Min(0)
        private long maxSeries;

        @JsonProperty
        public int getMaxTargets() {
            return maxTargets;
        }

        @JsonProperty
        public void setMaxTargets(int maxTargets) {
            this.maxTargets = maxTargets;
        }

        @JsonProperty
        public long getMaxSeries() {
            return maxSeries;
        }

        @JsonProperty
        public void setMaxSeries(long maxSeries) {
            this.maxSeries = maxSeries;
        }

        @JsonProperty
        public String getId() {
            return id;
        }

        @JsonProperty
        public void setId(String id) {
            this.id = id;
        }

        @JsonProperty
        public String getPrometheusUrl() {
            return prometheusUrl;
        }

        @JsonProperty
        public void setPrometheusUrl(String prometheusUrl) {
            this.prometheusUrl = prometheusUrl;
        }

        @JsonProperty
        public String getSidecarUrl() {
            return sidecarUrl;
        }

        @JsonProperty
        public void setSidecarUrl(String sidecarUrl) {
            this.sidecarUrl = sidecarUrl;
        }

        @JsonProperty
        public String getZone() {
            return zone;
        }

        @JsonProperty
        public void setZone(String zone) {
            this.zone = zone;
        }

        @JsonProperty
        public int getCapacity() {
            return capacity;
        }

        @JsonProperty
        public void setCapacity(int capacity) {
            this.capacity = capacity;
        }
    }
}
