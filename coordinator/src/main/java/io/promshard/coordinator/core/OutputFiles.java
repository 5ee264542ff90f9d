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
 * loop, one write at a time in the order asked, so that a slow or failing disk never delays or aborts
 * a publish. A failed write is logged, counted in {@link RebalanceStats#outputErrors()} and handed to
 * {@code retry}, which asks for a run after {@link #RETRY}.
 *
 * <p>Each write starts {@link #DELAY} after it was asked for. The sidecars read a new epoch from
 * ZooKeeper in the moments after its publish, and what they apply is what Prometheus scrapes; this
 * copy serves setups that read the coordinator's directory instead, where a second more is nothing
 * beside Prometheus's own file_sd pickup. Serializing an event's changed shares again (a hundred
 * shares of a thousand targets at a million) then no longer takes a core from those readers.
 *
 * <p>Lifecycle: writes are accepted until {@link #close()}.
 */
final class OutputFiles implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputFiles.class);
    /** How long after a failed write its retry runs. */
    static final Duration RETRY = Duration.ofSeconds(1);
    /** How long after it was asked for each write starts. */
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

    /** @param delay how long after it was asked for each write starts */
    OutputFiles(OutputWriter output, RebalanceStats stats, Runnable retry, Duration delay) {
        this.output = output;
        this.stats = stats;
        this.retry = retry;
        this.delay = delay;
    }

    /**
     * Queues {@code write} to start after the delay; {@code what} names it in the log when it fails.
     * Writes start in the order asked (equal delays keep their order). Never blocks.
     */
    void write(String what, FileWrite write) {
        executor.schedule(() -> {
            try {
                write.write(output);
            } catch (IOException | RuntimeException e) {
                stats.outputFailed();
                LOG.error("{} not written to {}: {}; retrying in {} ms", what, output.directory(), e.toString(),
                        RETRY.toMillis());
                retry.run();
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Finishes the writes queued (each still after its delay), waiting up to 10 s. */
    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
