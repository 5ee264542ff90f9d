package io.promshard.coordinator.core;

import io.promshard.client.api.SeriesReport;
import io.promshard.coordinator.zk.ChildNodes;
import java.io.Closeable;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Series per target, learned from the workers' reports in {@code weights/*}: for a target reported by
 * several workers (it moved, or is replicated) the most recent report wins. Counts are rounded with
 * {@link SeriesReport#round}.
 */
public final class SeriesWeights implements Closeable {

    private final ChildNodes<SeriesReport> reports;
    private final AtomicLong changes = new AtomicLong();
    private long computedAt = -1;
    private Map<String, Long> learned = Map.of();
    private long summedAt = -1;
    private Map<String, Long> summed = Map.of();

    public SeriesWeights(ChildNodes<SeriesReport> reports) {
        this.reports = reports;
        reports.addListener(changes::incrementAndGet);
    }

    public void addListener(Runnable listener) {
        reports.addListener(listener);
    }

    public void start() throws Exception {
        reports.start();
    }

    /** Series reports refused by the read limits, by path, with the reason. */
    public SortedMap<String, String> refusals() {
        return reports.refusals();
    }

    /** Rounded series count by target key; the same map as long as no report changed. */
    public synchronized Map<String, Long> learned() {
        long now = changes.get();
        if (now != computedAt) {
            computedAt = now;
            Map<String, Long> merged = new HashMap<>();
            Map<String, Long> at = new HashMap<>();
            SortedMap<String, SeriesReport> all = reports.current();
            all.values().forEach(r -> r.byKey().forEach((key, n) -> {
                Long seen = at.get(key);
                if (seen == null || r.atMillis() > seen) {
                    at.put(key, r.atMillis());
                    merged.put(key, SeriesReport.round(n));
                }
            }));
            if (!merged.equals(learned)) {
                learned = Map.copyOf(merged);
            }
        }
        return learned;
    }

    /**
     * Series each worker last reported for its targets, by worker id; summed once per change of the
     * reports (a pass over every reported target), not per caller.
     */
    public synchronized Map<String, Long> seriesByWorker() {
        long now = changes.get();
        if (now != summedAt) {
            summedAt = now;
            Map<String, Long> out = new HashMap<>();
            reports.current().forEach((worker, r) -> out.put(worker,
                    r.series().values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum()));
            summed = Map.copyOf(out);
        }
        return summed;
    }

    @Override
    public void close() {
        reports.close();
    }
}
