package io.promshard.coordinator.core;

import io.promshard.service.Daemons;
import io.promshard.coordinator.publish.OutputWriter;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the coordinator's own files (the workers' shares, {@code federation.json}) off the control
 * loop, one write at a time in the order asked, so that a slow or failing disk never delays or aborts
 * a publish. A failed write is logged, counted in {@link RebalanceStats#outputErrors()} and handed to
 * {@code retry}, which asks for a run after {@link #RETRY}.
 *
 * <p>Lifecycle: writes are accepted until {@link #close()}.
 */
final class OutputFiles implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputFiles.class);
    /** How long after a failed write its retry runs. */
    static final Duration RETRY = Duration.ofSeconds(1);

    /** One write of the coordinator's own files. */
    @FunctionalInterface
    interface FileWrite {
        void write(OutputWriter output) throws IOException;
    }

    private final OutputWriter output;
    private final RebalanceStats stats;
    private final Runnable retry;
    private final ExecutorService executor = Daemons.singleThread("promshard-coordinator-files");

    /** @param retry called on the writer's thread after a failure; it must not block */
    OutputFiles(OutputWriter output, RebalanceStats stats, Runnable retry) {
        this.output = output;
        this.stats = stats;
        this.retry = retry;
    }

    /** Queues {@code write}; {@code what} names it in the log when it fails. Never blocks. */
    void write(String what, FileWrite write) {
        executor.execute(() -> {
            try {
                write.write(output);
            } catch (IOException | RuntimeException e) {
                stats.outputFailed();
                LOG.error("{} not written to {}: {}; retrying in {} ms", what, output.directory(), e.toString(),
                        RETRY.toMillis());
                retry.run();
            }
        });
    }

    /** Finishes the writes queued, waiting up to 10 s. */
    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
