package io.promshard.client.metrics;

import java.util.Arrays;

/**
 * A Prometheus histogram: cumulative counts per upper bound, a sum and a count. Thread-safe; a
 * snapshot is consistent (taken under the same lock as observations).
 */
public final class Histogram {

    /** A consistent copy: {@code counts[i]} observations at most {@code bounds[i]} (cumulative). */
    public record Snapshot(double[] bounds, long[] counts, double sum, long count) {
    }

    private final double[] bounds;
    private final long[] counts;
    private double sum;
    private long count;

    /** @param bounds upper bounds, strictly increasing; {@code +Inf} is implied */
    public Histogram(double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("histogram bounds must increase: " + Arrays.toString(bounds));
            }
        }
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length];
    }

    public synchronized void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i]++;
            }
        }
        sum += value;
        count++;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(bounds.clone(), counts.clone(), sum, count);
    }
}
