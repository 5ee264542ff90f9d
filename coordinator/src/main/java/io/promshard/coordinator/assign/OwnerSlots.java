package io.promshard.coordinator.assign;

/**
 * Where each target's owners sit in an owners array: target {@code i} has the slots
 * {@code [first(i), end(i))}, each a worker index or -1. Uniform when every target has the same
 * number of slots (the replication factor: {@code first(i) = i · stride}, no array at all, the
 * common case of a million targets); otherwise each target has its own count, kept as prefix sums.
 * Immutable.
 */
final class OwnerSlots {

    /** Slots per target when uniform; 0 when the counts vary. */
    private final int stride;
    /** starts[i]: the first slot of target i; starts[size] the total. Null when uniform. */
    private final int[] starts;
    private final int size;

    private OwnerSlots(int stride, int[] starts, int size) {
        this.stride = stride;
        this.starts = starts;
        this.size = size;
    }

    /** {@code stride} slots for each of {@code size} targets. */
    static OwnerSlots uniform(int size, int stride) {
        return new OwnerSlots(stride, null, size);
    }

    /** {@code counts[i]} slots for target i; uniform when the counts are all equal. */
    static OwnerSlots of(int[] counts) {
        boolean same = true;
        for (int i = 1; i < counts.length && same; i++) {
            same = counts[i] == counts[0];
        }
        if (same) {
            return uniform(counts.length, counts.length == 0 ? 1 : counts[0]);
        }
        int[] starts = new int[counts.length + 1];
        for (int i = 0; i < counts.length; i++) {
            starts[i + 1] = Math.addExact(starts[i], counts[i]);
        }
        return new OwnerSlots(0, starts, counts.length);
    }

    int first(int target) {
        return starts == null ? target * stride : starts[target];
    }

    int end(int target) {
        return starts == null ? (target + 1) * stride : starts[target + 1];
    }

    int count(int target) {
        return starts == null ? stride : starts[target + 1] - starts[target];
    }

    /** The most slots any target has. */
    int widest() {
        if (starts == null) {
            return stride;
        }
        int widest = 0;
        for (int i = 0; i < size; i++) {
            widest = Math.max(widest, count(i));
        }
        return widest;
    }

    /** Every target's slots together: the length of the owners array. */
    int total() {
        return starts == null ? size * stride : starts[size];
    }

    int targets() {
        return size;
    }
}
