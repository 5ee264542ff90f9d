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
 * Reports the series each of this worker's targets produces, as its Prometheus counts them (by
 * default {@code scrape_samples_post_metric_relabeling}, what is stored per scrape), to
 * {@code weights/<id>}, at most once per interval and only when a rounded count changed. The
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
    private final BooleanSupplier ready;
    private final Duration interval;
    private final String query;
    private final ScheduledExecutorService executor = Daemons.singleThread("promshard-series");
    private volatile SortedMap<String, SortedMap<String, Long>> lastWritten;
    private volatile long lastWrittenMillis;

    public SeriesReporter(CuratorFramework client, ZkLayout layout, ShareWatcher watcher, String worker,
                          PrometheusClient prometheus, BooleanSupplier ready, Duration interval, String query) {
        this.client = client;
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

    /** Reads the counts now and writes them if they changed; false when there was nothing to read or write. */
    boolean report() {
        try {
            Share share = watcher.appliedShare();
            if (share == null || !ready.getAsBoolean()) {
                return false;
            }
            TargetIndex index = TargetIndex.of(share);
            Map<String, TargetIndex.Entry> byLabels = new HashMap<>();
            for (PrometheusClient.DiscoveredTarget t : prometheus.targets()) {
                if (t.active()) {
                    index.entryOf(t).ifPresent(e -> byLabels.put(t.labels().getOrDefault("job", "") + '\u0000'
                            + t.labels().getOrDefault("instance", ""), e));
                }
            }
            SortedMap<String, SortedMap<String, Long>> series = new TreeMap<>();
            for (PrometheusClient.Sample s : prometheus.query(query)) {
                TargetIndex.Entry e = byLabels.get(s.labels().getOrDefault("job", "") + '\u0000'
                        + s.labels().getOrDefault("instance", ""));
                if (e != null && Double.isFinite(s.value()) && s.value() >= 0) {
                    SeriesReport.putKey(series, e.job(), e.key(), SeriesReport.round((long) s.value()));
                }
            }
            if (series.isEmpty() || series.equals(lastWritten)) {
                return false;
            }
            byte[] data = SeriesReportCodec.encode(new SeriesReport(SeriesReport.FORMAT, worker,
                    System.currentTimeMillis(), series));
            client.create().orSetData().creatingParentContainersIfNeeded().forPath(path, data);
            lastWritten = series;
            lastWrittenMillis = System.currentTimeMillis();
            LOG.info("worker={}: reported series for {} targets ({} bytes)", worker,
                    series.values().stream().mapToInt(Map::size).sum(), data.length);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warn("worker={}: cannot report series counts now: {}", worker, e.toString());
            return false;
        }
    }

    @Override
    public void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
