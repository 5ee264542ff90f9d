package io.promshard.coordinator.core;

import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.metrics.Histogram;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the coordinator counts since start, for {@code /metrics}, the status and the events list:
 * the rebalances that changed what is published (the last {@value #MAX_EVENTS} kept as events),
 * the placements they moved and the bytes they wrote, their duration histogram, the leader's
 * completed runs and the failures that were retried.
 *
 * <p>Written by the control loop and the file writer, read by any request thread: counters are
 * atomic and the events list is guarded by its own lock.
 */
public final class RebalanceStats {

    /** Events kept for {@code GET /api/v1/events}; older ones are forgotten. */
    public static final int MAX_EVENTS = 100;

    private final ArrayDeque<RebalanceEvent> events = new ArrayDeque<>();
    private volatile RebalanceEvent last;
    private final AtomicLong rebalances = new AtomicLong();
    private final AtomicLong movedTotal = new AtomicLong();
    private final AtomicLong bytesTotal = new AtomicLong();
    private final AtomicLong leaderRuns = new AtomicLong();
    private final AtomicLong publishErrors = new AtomicLong();
    private final AtomicLong outputErrors = new AtomicLong();
    private final Histogram durations = new Histogram(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    private final Map<Phase, Histogram> phases = new EnumMap<>(Phase.class);

    /**
     * The steps of a leader's run that cost time, in their order: the engine (assign, one replica at
     * a time, the movement budget), the hand-off bookkeeping (record the moves, end the confirmed),
     * building the changed workers' shares, publishing them to ZooKeeper, and writing the workers'
     * files (off the control loop).
     */
    public enum Phase {
        ENGINE, HANDOFFS, SHARES, PUBLISH, FILES;

        /** The phase's label value on {@code /metrics}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public RebalanceStats() {
        for (Phase p : Phase.values()) {
            phases.put(p, new Histogram(Histogram.SECONDS));
        }
    }

    /** A leader run spent {@code nanos} in {@code phase}. */
    void phaseTook(Phase phase, long nanos) {
        phases.get(phase).observe(nanos / 1e9);
    }

    /** Seconds each phase of the leader's runs took, by phase label, in phase order. */
    public Map<String, Histogram.Snapshot> phases() {
        Map<String, Histogram.Snapshot> out = new LinkedHashMap<>();
        phases.forEach((phase, h) -> out.put(phase.label(), h.snapshot()));
        return out;
    }

    /** A rebalance changed what is published: it becomes the last event and counts in every total. */
    void published(RebalanceEvent event) {
        synchronized (events) {
            if (events.size() == MAX_EVENTS) {
                events.removeFirst();
            }
            events.addLast(event);
        }
        last = event;
        rebalances.incrementAndGet();
        movedTotal.addAndGet(event.moved());
        bytesTotal.addAndGet(event.bytesWritten());
        durations.observe(event.durationMillis() / 1000.0);
    }

    /** A run as leader completed, whether or not it changed anything. */
    void leaderRan() {
        leaderRuns.incrementAndGet();
    }

    /** A run failed and is retried. */
    void publishFailed() {
        publishErrors.incrementAndGet();
    }

    /** A write of the coordinator's own files failed and is retried. */
    void outputFailed() {
        outputErrors.incrementAndGet();
    }

    /** The last rebalance that changed what is published, or null before the first. */
    public RebalanceEvent last() {
        return last;
    }

    /** Recent rebalances that changed what is published, oldest first (at most {@value #MAX_EVENTS}). */
    public List<RebalanceEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Rebalances that changed what is published since start. */
    public long rebalances() {
        return rebalances.get();
    }

    /** Placements those rebalances moved. */
    public long movedTotal() {
        return movedTotal.get();
    }

    /** Bytes those rebalances wrote to ZooKeeper. */
    public long bytesWrittenTotal() {
        return bytesTotal.get();
    }

    /** Their durations, from the first cause to the published epoch, settle time included, in seconds. */
    public Histogram durations() {
        return durations;
    }

    /** Completed runs as leader (compute and publish, whether or not anything changed). */
    public long leaderRuns() {
        return leaderRuns.get();
    }

    /** Runs that failed (ZooKeeper error, write refused) and were retried. */
    public long publishErrors() {
        return publishErrors.get();
    }

    /** Failed writes of the coordinator's own files (workers' shares, federation.json); each is retried. */
    public long outputErrors() {
        return outputErrors.get();
    }
}
