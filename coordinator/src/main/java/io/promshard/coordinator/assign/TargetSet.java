package io.promshard.coordinator.assign;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Objects;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The targets to place, prepared once per inventory: each key hashed and the set sorted by
 * (hash, key), so that any input order gives the same set, targets of one hash slot are contiguous,
 * and a key is found by binary search without a map. Immutable and reusable across membership
 * changes: building it is the costly part of a run (hashing every key), assigning it is not.
 *
 * <p>A target is held as its position in a list of keys, not as a key string: a set built over an
 * inventory's {@code keys()} (which builds each key when asked) holds no string per target, and
 * asks for a key only where one is needed (two hashes tie, a changed target is named).
 */
public final class TargetSet {

    /** Targets fall into 2^16 slots by the top bits of their hash; preference lists are per slot. */
    static final int SLOT_BITS = 16;
    static final int SLOTS = 1 << SLOT_BITS;

    /** The list the targets' positions point into. */
    private final List<String> source;
    /** Each target's position in {@link #source}. */
    private final int[] positions;
    final long[] hashes;
    /** Each target's weight; null when every target weighs 1 (a million ones are 8 MB of heap). */
    private final double[] weights;
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

    private TargetSet(List<String> source, int[] positions, long[] hashes, double[] weights, Pin[] pins,
                      short[] replicas) {
        this.source = source;
        this.positions = positions;
        this.hashes = hashes;
        this.weights = weights;
        this.pins = pins;
        this.replicas = replicas;
        this.slotStart = new int[SLOTS + 1];
        double total = 0;
        double max = 0;
        for (int i = 0; i < hashes.length; i++) {
            slotStart[slot(hashes[i]) + 1]++;
            total += weight(i);
            max = Math.max(max, weight(i));
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

    /** A builder that is given each target's key ({@link Builder#add(String, double, Pin, int)}). */
    public static Builder builder(int expectedSize) {
        return new Builder(null, expectedSize);
    }

    /**
     * A builder of targets given by their position in {@code keys} ({@link Builder#add(int, double, Pin, int)}),
     * which the set keeps and asks for a key only where it needs one: {@code keys} must not change.
     */
    public static Builder over(List<String> keys) {
        return new Builder(keys, keys.size());
    }

    public int size() {
        return positions.length;
    }

    /** The key of target {@code i} (built anew when the set is over a list that builds its keys). */
    public String key(int i) {
        return source.get(positions[i]);
    }

    /** The pin of target {@code i}, null when it has none. */
    public Pin pin(int i) {
        return pins == null ? null : pins[i];
    }

    public double weight(int i) {
        return weights == null ? 1 : weights[i];
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
                    if (key(i).equals(key)) {
                        return i;
                    }
                }
                for (int i = mid + 1; i < hashes.length && hashes[i] == h; i++) {
                    if (key(i).equals(key)) {
                        return i;
                    }
                }
                return -1;
            }
        }
        return -1;
    }

    /**
     * The index of each of {@code keys} in this set (-1 where absent), in the order given. For the
     * list this set was built over, when the set has a target at each of its positions (no two of
     * them held one key), no key is looked up: the positions are inverted.
     */
    public int[] indexesOf(List<String> keys) {
        int[] out = new int[keys.size()];
        if (keys == source && positions.length == source.size()) {
            for (int i = 0; i < positions.length; i++) {
                out[positions[i]] = i;
            }
            return out;
        }
        for (int n = 0; n < out.length; n++) {
            out[n] = indexOf(keys.get(n));
        }
        return out;
    }

    /**
     * For each target of this set, its index in {@code other}, or -1: one merge walk over both sets
     * in their common (hash, key) order. Keys are compared only where two hashes tie, and not even
     * then when both sets are over the same key list and the positions are equal; two sets over
     * different lists (an inventory replaced) build each key of a tie, two per target. Null when
     * {@code other} is this set (the common case while the inventory is unchanged): every target is at
     * its own index, and no array of a million entries is made.
     */
    public int[] indexesIn(TargetSet other) {
        if (other == this) {
            return null;
        }
        int[] match = new int[size()];
        int j = 0;
        for (int i = 0; i < match.length; i++) {
            while (j < other.size() && compare(i, other, j) > 0) {
                j++;
            }
            match[i] = j < other.size() && compare(i, other, j) == 0 ? j : -1;
        }
        return match;
    }

    /** Orders target {@code i} of this set against target {@code j} of {@code other}: by hash, then key. */
    private int compare(int i, TargetSet other, int j) {
        int c = Long.compareUnsigned(hashes[i], other.hashes[j]);
        if (c != 0) {
            return c;
        }
        return source == other.source && positions[i] == other.positions[j] ? 0 : key(i).compareTo(other.key(j));
    }

    static int slot(long hash) {
        return (int) (hash >>> (64 - SLOT_BITS));
    }

    /**
     * Collects targets, by key or by position in a given key list; a target added twice keeps the
     * larger weight, the first non-null pin and the first replication.
     */
    public static final class Builder {
        /** The list positions point into: given, or the keys added so far. */
        private final List<String> given;
        private final List<String> added;
        private int[] positions;
        private double[] weights;
        private Pin[] pins;
        private short[] replicas;
        private int n;

        private Builder(List<String> given, int expected) {
            this.given = given;
            this.added = given == null ? new ArrayList<>(Math.max(16, expected)) : null;
            int capacity = Math.max(16, expected);
            positions = new int[capacity];
            weights = new double[capacity];
            pins = new Pin[capacity];
        }

        /** A target with the engine's replication factor. */
        public Builder add(String key, double weight, Pin pin) {
            return add(key, weight, pin, DEFAULT_REPLICAS);
        }

        /**
         * A target with replication {@code replicas}: {@link #DEFAULT_REPLICAS}, {@link #EVERY_WORKER}
         * or 1 to {@link #MAX_REPLICAS}. Only for a builder made by {@link TargetSet#builder(int)}.
         */
        public Builder add(String key, double weight, Pin pin, int replicas) {
            if (added == null) {
                throw new IllegalStateException("a builder over a key list is given positions, not keys");
            }
            check(() -> key, weight, replicas);
            added.add(key);
            return append(added.size() - 1, weight, pin, replicas);
        }

        /**
         * The target at {@code position} of the key list given to {@link TargetSet#over(List)}, as
         * {@link #add(String, double, Pin, int)} otherwise.
         */
        public Builder add(int position, double weight, Pin pin, int replicas) {
            if (given == null) {
                throw new IllegalStateException("a builder without a key list is given keys, not positions");
            }
            Objects.checkIndex(position, given.size());
            check(() -> given.get(position), weight, replicas); // the key is built only to name a refusal
            return append(position, weight, pin, replicas);
        }

        private static void check(Supplier<String> key, double weight, int replicas) {
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("target " + key.get() + ": weight must be positive, was " + weight);
            }
            if (replicas < EVERY_WORKER || replicas > MAX_REPLICAS) {
                throw new IllegalArgumentException("target " + key.get() + ": replication must be 1-" + MAX_REPLICAS
                        + " or every worker, was " + replicas);
            }
        }

        private Builder append(int position, double weight, Pin pin, int replicas) {
            if (n == positions.length) {
                positions = Arrays.copyOf(positions, n * 2);
                weights = Arrays.copyOf(weights, n * 2);
                pins = Arrays.copyOf(pins, n * 2);
                this.replicas = this.replicas == null ? null : Arrays.copyOf(this.replicas, n * 2);
            }
            if (replicas != DEFAULT_REPLICAS && this.replicas == null) {
                this.replicas = new short[positions.length];
            }
            positions[n] = position;
            weights[n] = weight;
            pins[n] = pin;
            if (this.replicas != null) {
                this.replicas[n] = (short) replicas;
            }
            n++;
            return this;
        }

        /** Hashes every key (once each), sorts by (hash, key) and merges the targets added twice. */
        public TargetSet build() {
            List<String> source = given != null ? given : List.copyOf(added);
            long[] h = new long[n];
            for (int i = 0; i < n; i++) {
                h[i] = Hashes.hash(source.get(positions[i]));
            }
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            IndexSort.sort(idx, (a, b) -> compareAdded(source, h, a, b));
            int[] ps = new int[n];
            long[] hs = new long[n];
            double[] w = new double[n];
            Pin[] p = new Pin[n];
            short[] r = this.replicas == null ? null : new short[n];
            int m = 0;
            for (int i = 0; i < n; i++) {
                int src = idx[i];
                if (m > 0 && compareAdded(source, h, idx[i - 1], src) == 0) {
                    w[m - 1] = Math.max(w[m - 1], weights[src]);
                    if (p[m - 1] == null) {
                        p[m - 1] = pins[src];
                    }
                    continue;
                }
                ps[m] = positions[src];
                hs[m] = h[src];
                w[m] = weights[src];
                p[m] = pins[src];
                if (r != null) {
                    r[m] = replicas[src];
                }
                m++;
            }
            boolean pinned = Arrays.stream(p, 0, m).anyMatch(Objects::nonNull);
            boolean weighed = Arrays.stream(w, 0, m).anyMatch(x -> x != 1);
            return new TargetSet(source, Arrays.copyOf(ps, m), Arrays.copyOf(hs, m), weighed ? Arrays.copyOf(w, m) : null,
                    pinned ? Arrays.copyOf(p, m) : null, r == null ? null : Arrays.copyOf(r, m));
        }

        /** Orders added targets {@code a} and {@code b} by hash, then key (building keys only on a tie). */
        private int compareAdded(List<String> source, long[] h, int a, int b) {
            int c = Long.compareUnsigned(h[a], h[b]);
            if (c != 0 || positions[a] == positions[b]) {
                return c;
            }
            return source.get(positions[a]).compareTo(source.get(positions[b]));
        }
    }
}
