package io.promshard.coordinator.assign;

import java.util.Arrays;
import java.util.Objects;
import java.util.Collection;
import java.util.List;

/**
 * The targets to place, prepared once per inventory: each key hashed and the set sorted by
 * (hash, key), so that any input order gives the same set, targets of one hash slot are contiguous,
 * and a key is found by binary search without a map. Immutable and reusable across membership
 * changes: building it is the costly part of a run (hashing every key), assigning it is not.
 */
public final class TargetSet {

    /** Targets fall into 2^16 slots by the top bits of their hash; preference lists are per slot. */
    static final int SLOT_BITS = 16;
    static final int SLOTS = 1 << SLOT_BITS;

    final String[] keys;
    final long[] hashes;
    final double[] weights;
    /** Each target's pin; null when no target has one (a million nulls are 4 MB of heap). */
    private final Pin[] pins;
    /** Each target's own replication ({@link #DEFAULT_REPLICAS}, {@link #EVERY_WORKER} or a count); null when none has one. */
    final short[] replicas;
    final int[] slotStart;
    final double totalWeight;
    final double maxWeight;

    /** A target's replication when it has none of its own: the engine's replication factor. */
    public static final int DEFAULT_REPLICAS = 0;
    /** A target every eligible worker owns ({@code replication: all}). */
    public static final int EVERY_WORKER = -1;
    /** The largest replication a target may have of its own. */
    public static final int MAX_REPLICAS = AssignmentSettings.MAX_REPLICATION;

    private TargetSet(String[] keys, long[] hashes, double[] weights, Pin[] pins, short[] replicas) {
        this.keys = keys;
        this.hashes = hashes;
        this.weights = weights;
        this.pins = pins;
        this.replicas = replicas;
        this.slotStart = new int[SLOTS + 1];
        double total = 0;
        double max = 0;
        for (int i = 0; i < keys.length; i++) {
            slotStart[slot(hashes[i]) + 1]++;
            total += weights[i];
            max = Math.max(max, weights[i]);
        }
        for (int s = 0; s < SLOTS; s++) {
            slotStart[s + 1] += slotStart[s];
        }
        this.totalWeight = total;
        this.maxWeight = max;
    }

    /** Targets of weight 1 with no pins. */
    public static TargetSet of(Collection<String> keys) {
        Builder b = builder(keys.size());
        keys.forEach(k -> b.add(k, 1, null));
        return b.build();
    }

    public static Builder builder(int expectedSize) {
        return new Builder(expectedSize);
    }

    public int size() {
        return keys.length;
    }

    public String key(int i) {
        return keys[i];
    }

    /** The pin of target {@code i}, null when it has none. */
    public Pin pin(int i) {
        return pins == null ? null : pins[i];
    }

    public double weight(int i) {
        return weights[i];
    }

    /**
     * Target {@code i}'s own replication: {@link #DEFAULT_REPLICAS} (the engine's factor),
     * {@link #EVERY_WORKER}, or a count from 1 to {@link #MAX_REPLICAS}.
     */
    public int replicas(int i) {
        return replicas == null ? DEFAULT_REPLICAS : replicas[i];
    }

    /** Whether some target has a replication of its own. */
    public boolean hasOwnReplication() {
        return replicas != null;
    }

    public double totalWeight() {
        return totalWeight;
    }

    /** The heaviest target's weight: no worker can hold less than that once it holds that target. */
    public double maxWeight() {
        return maxWeight;
    }

    /** Index of {@code key}, or -1. */
    public int indexOf(String key) {
        long h = Hashes.hash(key);
        int lo = 0;
        int hi = hashes.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(hashes[mid], h);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                for (int i = mid; i >= 0 && hashes[i] == h; i--) {
                    if (keys[i].equals(key)) {
                        return i;
                    }
                }
                for (int i = mid + 1; i < hashes.length && hashes[i] == h; i++) {
                    if (keys[i].equals(key)) {
                        return i;
                    }
                }
                return -1;
            }
        }
        return -1;
    }

    /** The index of each of {@code keys} in this set (-1 where absent), in the order given. */
    public int[] indexesOf(List<String> keys) {
        int[] out = new int[keys.size()];
        for (int n = 0; n < out.length; n++) {
            out[n] = indexOf(keys.get(n));
        }
        return out;
    }

    static int slot(long hash) {
        return (int) (hash >>> (64 - SLOT_BITS));
    }

    /** Orders two targets of (possibly) different sets: by hash, then key. */
    static int compare(long h1, String k1, long h2, String k2) {
        int c = Long.compareUnsigned(h1, h2);
        return c != 0 ? c : k1.compareTo(k2);
    }

    /**
     * Collects targets; a key added twice keeps the larger weight, the first non-null pin and the first
     * replication.
     */
    public static final class Builder {
        private String[] keys;
        private double[] weights;
        private Pin[] pins;
        private short[] replicas;
        private int n;

        private Builder(int expected) {
            int capacity = Math.max(16, expected);
            keys = new String[capacity];
            weights = new double[capacity];
            pins = new Pin[capacity];
        }

        /** A target with the engine's replication factor. */
        public Builder add(String key, double weight, Pin pin) {
            return add(key, weight, pin, DEFAULT_REPLICAS);
        }

        /**
         * A target with replication {@code replicas}: {@link #DEFAULT_REPLICAS}, {@link #EVERY_WORKER}
         * or 1 to {@link #MAX_REPLICAS}.
         */
        public Builder add(String key, double weight, Pin pin, int replicas) {
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("target " + key + ": weight must be positive, was " + weight);
            }
            if (replicas < EVERY_WORKER || replicas > MAX_REPLICAS) {
                throw new IllegalArgumentException("target " + key + ": replication must be 1-" + MAX_REPLICAS
                        + " or every worker, was " + replicas);
            }
            if (n == keys.length) {
                keys = Arrays.copyOf(keys, n * 2);
                weights = Arrays.copyOf(weights, n * 2);
                pins = Arrays.copyOf(pins, n * 2);
                this.replicas = this.replicas == null ? null : Arrays.copyOf(this.replicas, n * 2);
            }
            if (replicas != DEFAULT_REPLICAS && this.replicas == null) {
                this.replicas = new short[keys.length];
            }
            keys[n] = key;
            weights[n] = weight;
            pins[n] = pin;
            if (this.replicas != null) {
                this.replicas[n] = (short) replicas;
            }
            n++;
            return this;
        }

        public TargetSet build() {
            long[] h = new long[n];
            for (int i = 0; i < n; i++) {
                h[i] = Hashes.hash(keys[i]);
            }
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            String[] in = keys;
            IndexSort.sort(idx, (a, b) -> compare(h[a], in[a], h[b], in[b]));
            String[] k = new String[n];
            long[] hs = new long[n];
            double[] w = new double[n];
            Pin[] p = new Pin[n];
            short[] r = this.replicas == null ? null : new short[n];
            int m = 0;
            for (int i = 0; i < n; i++) {
                int src = idx[i];
                if (m > 0 && hs[m - 1] == h[src] && k[m - 1].equals(keys[src])) {
                    w[m - 1] = Math.max(w[m - 1], weights[src]);
                    if (p[m - 1] == null) {
                        p[m - 1] = pins[src];
                    }
                    continue;
                }
                k[m] = keys[src];
                hs[m] = h[src];
                w[m] = weights[src];
                p[m] = pins[src];
                if (r != null) {
                    r[m] = replicas[src];
                }
                m++;
            }
            boolean pinned = Arrays.stream(p, 0, m).anyMatch(Objects::nonNull);
            return new TargetSet(Arrays.copyOf(k, m), Arrays.copyOf(hs, m), Arrays.copyOf(w, m),
                    pinned ? Arrays.copyOf(p, m) : null, r == null ? null : Arrays.copyOf(r, m));
        }
    }
}
