package io.promshard.client.metrics;

import java.util.Arrays;

/**
 * A Prometheus histogram: cumulative counts per upper bound, a sum and a count. Thread-safe; a
 * snapshot is consistent (taken under the same lock as observations).
 */
public final class Histogram {

    /** Bounds for durations in seconds, from 1 ms to 30 s: the leader's phases and a sidecar's apply. */
    public static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
            30};

    /** A consistent copy: {@code counts[i]} observations at most {@code bounds[i]} (cumulative). */
    public record Snapshot(double[] bounds, long[] counts, double sum, long count) {

        /** What was observed between {@code earlier} (a snapshot of the same histogram) and this one. */
        public Snapshot minus(Snapshot earlier) {
            long[] delta = new long[counts.length];
            for (int i = 0; i < counts.length; i++) {
                delta[i] = counts[i] - earlier.counts[i];
            }
            return new Snapshot(bounds, delta, sum - earlier.sum, count - earlier.count);
        }

        /**
         * The {@code q}-quantile as Prometheus' {@code histogram_quantile} estimates it: the bucket
         * holding rank {@code q * count}, interpolated linearly within it (from 0 for the first
         * bucket); the highest finite bound when the rank falls in {@code +Inf}; NaN when empty.
         */
        public double quantile(double q) {
            if (count == 0) {
                return Double.NaN;
            }
            double rank = q * count;
            long below = 0;
            for (int i = 0; i < bounds.length; i++) {
                if (counts[i] >= rank) {
                    double lower = i == 0 ? 0 : bounds[i - 1];
                    long inBucket = counts[i] - below;
                    // in Prometheus' order of operations, so that the double is the same to the last bit
                    return inBucket == 0 ? bounds[i] : lower + (bounds[i] - lower) * ((rank - below) / inBucket);
                }
                below = counts[i];
            }
            return bounds[bounds.length - 1];
        }
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
