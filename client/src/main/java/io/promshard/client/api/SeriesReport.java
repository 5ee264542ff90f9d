package io.promshard.client.api;

import io.promshard.client.Identifiers;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Series per target as one worker's Prometheus observed them, kept in {@code weights/<id>} so
 * that every coordinator balances by the same learned weights.
 *
 * @param version  wire format version, {@link #FORMAT}
 * @param worker   the reporting worker
 * @param atMillis when the counts were read
 * @param series   per job, per target ({@link Target#key} without the job: the address, and the
 *                 metrics path after a NUL when it is not {@code /metrics}), the series count
 */
public record SeriesReport(int version, String worker, long atMillis, SortedMap<String, SortedMap<String, Long>> series) {

    public static final int FORMAT = 1;

    public SeriesReport {
        Identifiers.checkWorkerId(worker);
        TreeMap<String, SortedMap<String, Long>> copy = new TreeMap<>();
        if (series != null) {
            series.forEach((job, targets) -> copy.put(job, Collections.unmodifiableSortedMap(new TreeMap<>(targets))));
        }
        series = Collections.unmodifiableSortedMap(copy);
    }

    /** Adds {@code count} for a target, for building a report. */
    public static void put(SortedMap<String, SortedMap<String, Long>> series, String job, String address,
                           String metricsPath, long count) {
        String key = Target.key(job, address, metricsPath);
        series.computeIfAbsent(job, j -> new TreeMap<>()).put(key.substring(job.length() + 1), count);
    }

    /** Adds {@code count} for the target whose full key is {@code key} (of job {@code job}). */
    public static void putKey(SortedMap<String, SortedMap<String, Long>> series, String job, String key, long count) {
        series.computeIfAbsent(job, j -> new TreeMap<>()).put(key.substring(job.length() + 1), count);
    }

    /** Every count by full target key. */
    public Map<String, Long> byKey() {
        Map<String, Long> out = new HashMap<>();
        series.forEach((job, targets) -> targets.forEach((t, n) -> out.put(job + '\u0000' + t, n)));
        return out;
    }

    /**
     * {@code n} to two significant digits, at least 1: a few series more or less change no weight and
     * move nothing (the balance bound is far coarser).
     */
    public static long round(long n) {
        if (n < 100) {
            return Math.max(1, n);
        }
        long scale = 1;
        while (n / scale >= 100) {
            scale *= 10;
        }
        return Math.round((double) n / scale) * scale;
    }

    public int size() {
        return series.values().stream().mapToInt(Map::size).sum();
    }
}
