package io.promshard.coordinator.core;

import io.promshard.service.Daemons;
import io.promshard.coordinator.publish.OutputWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the coordinator's own files (the workers' shares, {@code federation.json}) off the control
 * loop, one write at a time, so that a slow or failing disk never delays or aborts
 * a publish. A failed write is logged, counted in {@link RebalanceStats#outputErrors()} and handed to
 * {@code retry}, which asks for a run after {@link #RETRY}.
 *
 * <p>The workers' shares are written {@link #DELAY} after they were asked for
 * ({@link #writeDelayed}). The sidecars read a new epoch from ZooKeeper in the moments after its
 * publish, and what they apply is what Prometheus scrapes; this copy serves setups that read the
 * coordinator's directory instead, where a second more is nothing beside Prometheus's own file_sd
 * pickup. Serializing an event's changed shares again (a hundred shares of a thousand targets at a
 * million) then no longer takes a core from those readers. {@code federation.json}, a few hundred
 * bytes, is written at once ({@link #write}): it also creates the directory, which a master's
 * file_sd must find when it starts (it watches the directory, and a missing one only at its
 * refresh, 5 minutes later).
 *
 * <p>Lifecycle: writes are accepted until {@link #close()}.
 */
final class OutputFiles implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputFiles.class);
    /** How long after a failed write its retry runs. */
    static final Duration RETRY = Duration.ofSeconds(1);
    /** How long after it was asked for a delayed write starts. */
    static final Duration DELAY = Duration.ofSeconds(1);

    /** One write of the coordinator's own files. */
    @FunctionalInterface
    interface FileWrite {
        void write(OutputWriter output) throws IOException;
    }

    private final OutputWriter output;
    private final RebalanceStats stats;
    private final Runnable retry;
    private final Duration delay;
    private final ScheduledExecutorService executor = Daemons.singleThread("promshard-coordinator-files");

    /** @param retry called on the writer's thread after a failure; it must not block */
    OutputFiles(OutputWriter output, RebalanceStats stats, Runnable retry) {
        this(output, stats, retry, DELAY);
    }

    /** @param delay how long after it was asked for a delayed write starts */
    OutputFiles(OutputWriter output, RebalanceStats stats, Runnable retry, Duration delay) {
        this.output = output;
        this.stats = stats;
        this.retry = retry;
        this.delay = delay;
    }

    /** Queues {@code write} to start at once; {@code what} names it in the log when it fails. Never blocks. */
    void write(String what, FileWrite write) {
        schedule(what, write, Duration.ZERO);
    }

    /**
     * As {@link #write}, to start after the delay. Delayed writes start in the order asked (equal
     * delays keep their order); a {@link #write} asked meanwhile goes before them.
     */
    void writeDelayed(String what, FileWrite write) {
        schedule(what, write, delay);
    }

    private void schedule(String what, FileWrite write, Duration after) {
        executor.schedule(() -> {
            try {
                write.write(output);
            } catch (IOException | RuntimeException e) {
                stats.outputFailed();
                LOG.error("{} not written to {}: {}; retrying in {} ms", what, output.directory(), e.toString(),
                        RETRY.toMillis());
                retry.run();
            }
        }, after.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Finishes the writes queued (each still after its delay), waiting up to 10 s. */
    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
