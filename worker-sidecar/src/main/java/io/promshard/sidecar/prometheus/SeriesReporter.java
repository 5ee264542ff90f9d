package io.promshard.sidecar.prometheus;

import io.promshard.service.Daemons;
import io.dropwizard.lifecycle.Managed;
import io.promshard.client.api.SeriesReport;
import io.promshard.client.api.Share;
import io.promshard.client.zk.SeriesReportCodec;
import io.promshard.client.zk.ZkLayout;
import io.promshard.sidecar.assignment.ShareWatcher;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the series each of this worker's targets produces to {@code weights/<id>}, at most once per
 * interval and only when a rounded count changed, from the source the scraper's kind offers
 * ({@link Source}): a Prometheus' query API (by default {@code scrape_samples_post_metric_relabeling},
 * what is stored per scrape), vmagent's per-target sample counts, or a remote storage's query API. A
 * query's {@code job} and {@code instance} labels are matched to targets through
 * {@code /api/v1/targets}, so relabelled instances are found too. Lifecycle LATENT -> STARTED -> CLOSED.
 */
public final class SeriesReporter implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(SeriesReporter.class);

    private final CuratorFramework client;
    private final String path;
    private final String worker;
    private final ShareWatcher watcher;
    private final PrometheusClient prometheus;
    private final Scraper scraper;
    private final PrometheusClient remote;
    /** Whether the lack of any source was logged. */
    private volatile boolean saidNone;
    private final BooleanSupplier ready;
    private final Duration interval;
    private final String query;
    private final ScheduledExecutorService executor = Daemons.singleThread("promshard-series");
    private volatile SortedMap<String, SortedMap<String, Long>> lastWritten;
    private volatile long lastWrittenMillis;

    /**
     * @param scraper the local scraper's kind, which decides where counts come from
     * @param remote  a remote storage's query API to ask {@code query} instead of the scraper, or null
     */
    public SeriesReporter(CuratorFramework client, ZkLayout layout, ShareWatcher watcher, String worker,
                          PrometheusClient prometheus, Scraper scraper, PrometheusClient remote, BooleanSupplier ready,
                          Duration interval, String query) {
        this.client = client;
        this.scraper = scraper;
        this.remote = remote;
        this.path = layout.weight(worker);
        this.worker = worker;
        this.watcher = watcher;
        this.prometheus = prometheus;
        this.ready = ready;
        this.interval = interval;
        this.query = query;
    }

    @Override
    public void start() {
        executor.scheduleWithFixedDelay(this::report, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** When the last report was written, 0 if none. */
    public long lastWrittenMillis() {
        return lastWrittenMillis;
    }

    /** Where this worker's series counts come from. */
    public enum Source {
        /** The scraper's query API ({@code seriesQuery}): a full Prometheus. */
        QUERY,
        /** Each target's {@code lastSamplesScraped} in {@code /api/v1/targets}: vmagent. */
        TARGETS,
        /** A remote storage's query API ({@code prometheus.seriesQueryUrl}), asked {@code seriesQuery}. */
        REMOTE_QUERY,
        /** Nowhere: a Prometheus agent without {@code seriesQueryUrl}. */
        NONE,
        /** Not known until the scraper answers and names its kind. */
        UNKNOWN
    }

    /** The scraper's kind as a label ({@code prometheus}, {@code agent}, {@code vmagent}), or {@code unknown} before it answers. */
    public String scraperKind() {
        return scraper.kind().map(ScraperKind::label).orElse("unknown");
    }

    /** Where the counts come from now: a configured remote query API first, else what the scraper's kind offers. */
    public Source source() {
        if (remote != null) {
            return Source.REMOTE_QUERY;
        }
        return scraper.kind().map(kind -> switch (kind) {
            case PROMETHEUS -> Source.QUERY;
            case VMAGENT -> Source.TARGETS;
            case AGENT -> Source.NONE;
        }).orElse(Source.UNKNOWN);
    }

    /** Reads the counts now and writes them if they changed; false when there was nothing to read or write. */
    boolean report() {
        try {
            Share share = watcher.appliedShare();
            Source source = source();
            if (share == null || !ready.getAsBoolean() || !announce(source)) {
                return false;
            }
            TargetIndex index = TargetIndex.of(share);
            List<PrometheusClient.DiscoveredTarget> discovered = prometheus.targets();
            SortedMap<String, SortedMap<String, Long>> series = source == Source.TARGETS
                    ? fromTargets(index, discovered)
                    : fromQuery(index, discovered, (source == Source.REMOTE_QUERY ? remote : prometheus).query(query));
            if (series.isEmpty() || series.equals(lastWritten)) {
                return false;
            }
            write(series);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warn("worker={}: cannot report series counts now: {}", worker, e.toString());
            return false;
        }
    }

    /** Whether counts can be read from {@code source}; says once, at WARN, that they cannot. */
    private boolean announce(Source source) {
        if (source == Source.NONE && !saidNone) {
            saidNone = true;
            LOG.warn("worker={}: a Prometheus agent has no query API and counts no samples per target, so this "
                    + "worker reports no series: the coordinator weighs its targets by the mean weight the other "
                    + "workers report (by count when none does); set prometheus.seriesQueryUrl to a remote "
                    + "storage's query API to report them", worker);
        }
        return source != Source.NONE && source != Source.UNKNOWN;
    }

    /** Counts matched to the share's targets by the query answer's {@code job} and {@code instance} labels. */
    private static SortedMap<String, SortedMap<String, Long>> fromQuery(TargetIndex index,
            List<PrometheusClient.DiscoveredTarget> discovered, List<PrometheusClient.Sample> samples) {
        Map<String, TargetIndex.Entry> byLabels = new HashMap<>();
        for (PrometheusClient.DiscoveredTarget t : discovered) {
            if (t.active()) {
                index.entryOf(t).ifPresent(e -> byLabels.put(jobAndInstance(t.labels()), e));
            }
        }
        SortedMap<String, SortedMap<String, Long>> series = new TreeMap<>();
        for (PrometheusClient.Sample s : samples) {
            TargetIndex.Entry e = byLabels.get(jobAndInstance(s.labels()));
            if (e != null && Double.isFinite(s.value()) && s.value() >= 0) {
                SeriesReport.putKey(series, e.job(), e.key(), SeriesReport.round((long) s.value()));
            }
        }
        return series;
    }

    /** Counts as the scraper gives them per target (vmagent: samples of the last scrape), for scraped targets. */
    private static SortedMap<String, SortedMap<String, Long>> fromTargets(TargetIndex index,
            List<PrometheusClient.DiscoveredTarget> discovered) {
        SortedMap<String, SortedMap<String, Long>> series = new TreeMap<>();
        for (PrometheusClient.DiscoveredTarget t : discovered) {
            if (t.active() && t.scraped() && t.samplesScraped() >= 0) {
                index.entryOf(t).ifPresent(e ->
                        SeriesReport.putKey(series, e.job(), e.key(), SeriesReport.round(t.samplesScraped())));
            }
        }
        return series;
    }

    private static String jobAndInstance(Map<String, String> labels) {
        return labels.getOrDefault("job", "") + '\u0000' + labels.getOrDefault("instance", "");
    }

    private void write(SortedMap<String, SortedMap<String, Long>> series) throws Exception {
        byte[] data = SeriesReportCodec.encode(new SeriesReport(SeriesReport.FORMAT, worker,
                System.currentTimeMillis(), series));
        client.create().orSetData().creatingParentContainersIfNeeded().forPath(path, data);
        lastWritten = series;
        lastWrittenMillis = System.currentTimeMillis();
        LOG.info("worker={}: reported series for {} targets ({} bytes)", worker,
                series.values().stream().mapToInt(Map::size).sum(), data.length);
    }

    @Override
    public void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
