package io.promshard.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.coordinator.publish.OutputWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {

    @TempDir
    Path dir;

    /**
     * The coordinator's own copy of the files waits: an event's publish is read by the sidecars in
     * the moments after it, and serializing the same shares again would take a core from them.
     */
    @Test
    void eachDelayedWriteStartsNoSoonerThanTheDelayAfterItWasAskedForAndInTheOrderAsked() throws Exception {
        Duration delay = Duration.ofMillis(300);
        List<String> done = new CopyOnWriteArrayList<>();
        List<Long> waited = new CopyOnWriteArrayList<>();
        OutputFiles files = new OutputFiles(new OutputWriter(dir), new RebalanceStats(), () -> { }, delay);
        for (String name : List.of("first", "second", "third")) {
            long asked = System.nanoTime();
            files.writeDelayed(name, output -> {
                waited.add(System.nanoTime() - asked);
                done.add(name);
            });
        }
        files.close();

        assertEquals(List.of("first", "second", "third"), done);
        waited.forEach(nanos -> assertTrue(nanos >= delay.toNanos(), "started after " + nanos / 1_000_000 + " ms"));
    }

    /**
     * {@code federation.json} does not wait behind the shares: it also creates the directory a
     * master's file_sd watches, and a master started before it exists reads it only at its refresh.
     */
    @Test
    void aWriteAskedAfterADelayedOneGoesFirst() throws Exception {
        List<String> done = new CopyOnWriteArrayList<>();
        OutputFiles files = new OutputFiles(new OutputWriter(dir), new RebalanceStats(), () -> { },
                Duration.ofSeconds(2));
        files.writeDelayed("shares", output -> done.add("shares"));
        CountDownLatch federation = new CountDownLatch(1);
        files.write("federation.json", output -> {
            done.add("federation.json");
            federation.countDown();
        });
        assertTrue(federation.await(10, TimeUnit.SECONDS), "the immediate write ran");
        assertEquals(List.of("federation.json"), done, "it ran before the delayed one");
        files.close();
        assertEquals(List.of("federation.json", "shares"), done);
    }

    @Test
    void aFailedWriteIsCountedAndRetriedAndTheNextWriteStillRuns() throws Exception {
        RebalanceStats stats = new RebalanceStats();
        CountDownLatch retried = new CountDownLatch(1);
        List<String> done = new CopyOnWriteArrayList<>();
        OutputFiles files = new OutputFiles(new OutputWriter(dir), stats, retried::countDown, Duration.ZERO);
        files.write("broken", output -> {
            throw new IOException("disk full");
        });
        files.write("next", output -> done.add("next"));

        assertTrue(retried.await(10, TimeUnit.SECONDS), "retry asked for");
        files.close();
        assertEquals(1, stats.outputErrors());
        assertEquals(List.of("next"), done);
    }
}
