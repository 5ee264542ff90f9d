package io.promshard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.bench.scale.ScaleHarness;
import io.promshard.client.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A small run of the scale harness against the packaged jars (built earlier in the same reactor), so
 * that the harness keeps working; the figures themselves are recorded in docs/scale.md, never asserted.
 */
class ScaleHarnessTest {

    @Test
    void aSmallRunPrintsEveryFigureAndWakesOnlyChangedWorkers() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        assertTrue(Files.exists(root.resolve("coordinator/target/promshard-coordinator.jar")),
                "the coordinator jar is built before the benchmarks in the reactor (mvn verify)");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = ScaleHarness.run(new String[] {"--workers", "6", "--targets", "3000", "--events", "1",
                "--root", root.toString(), "--coordinator-heap", "256m", "--api-clients", "4", "--scrape-interval-ms", "1000", "--warmup-rounds", "0"}, new PrintStream(out, true), System.err);
        assertEquals(0, code);
        JsonNode r = Json.mapper().readTree(out.toString(StandardCharsets.UTF_8));
        System.out.println("scale smoke: " + r);
        assertEquals(6, r.get("workers").asInt());
        for (String kind : new String[] {"join", "leave", "drain"}) {
            JsonNode e = r.get("events").get(kind);
            assertEquals(1, e.get("count").asInt(), kind);
            assertEquals(0, e.get("woken_not_changed_max").asInt(), kind + ": a sidecar woke for a change not its own");
            assertTrue(e.get("moved_mean").asLong() > 0, kind + " moved nothing: " + e);
            assertTrue(e.get("bytes_written_mean").asLong() > 0, kind + ": " + e);
        }
        assertTrue(r.get("coordinator_heap_mib_after_gc").asDouble() > 0, r.toString());
        assertTrue(r.get("sidecar_heap_mib_after_gc").asDouble() > 0, r.toString());
        assertTrue(r.get("zookeeper_after_events").get("watch_count").asLong() > 0, r.toString());
        assertTrue(r.get("cold_start_after_last_registration_ms").asLong() >= 0, r.toString());
        assertTrue(r.get("coordinator_jit_seconds_during_events").asDouble() >= 0, r.toString());
        JsonNode load = r.get("api_load_during_events");
        assertEquals(0, load.get("errors").asLong(), "every API answer a 200: " + load);
        for (String endpoint : new String[] {"status", "workers", "metrics", "dashboard"}) {
            assertTrue(load.get("endpoints").get(endpoint).get("count").asLong() > 0, endpoint + ": " + load);
        }
        JsonNode phases = r.get("phases_during_events");
        for (String phase : new String[] {"engine", "handoffs", "shares", "publish", "files"}) {
            assertTrue(phases.get("leader").get(phase).get("count").asLong() > 0, phase + ": " + phases);
        }
        assertTrue(phases.get("real_sidecar_apply").get("count").asLong() > 0, phases.toString());
        assertTrue(phases.get("light_sidecar_apply").get("count").asLong() > 0, phases.toString());
    }
}
