package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.testing.DebianDefaults;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The label choice of ops/prometheus/worker-ha.yml against the real components: two worker
 * Prometheus servers run that file (its scrape interval shortened, paths and ports local) and scrape
 * the same targets, as the two owners of a job at replication 2 do, writing to a real VictoriaMetrics
 * started with ops/victoria-metrics' arguments. The storage must hold each target's {@code up} as one
 * series without the replica labels, one sample per scrape interval after deduplication, while each
 * worker's own metrics stay two series, told apart by {@code promshard_worker}.
 */
class RemoteStorageDedupIT {

    static final int TARGETS = 3;
    static final int SCRAPE_SECONDS = 2;
    static final Duration WAIT = Duration.ofSeconds(120);

    @RegisterExtension
    final E2eRun run = new E2eRun("remote-storage");
    private Path root;
    private Path dir;
    private Processes processes;
    private Exporters exporters;
    private int storagePort;

    @BeforeEach
    void start() throws Exception {
        root = run.root();
        dir = run.dir();
        processes = run.processes();
        exporters = run.exporters(Collections.nCopies(TARGETS, 3));
    }

    @Test
    void twoReplicasWriteEachTargetOnceAndKeepTheirOwnMetricsApart() throws Exception {
        startStorage();
        Path sd = Files.createDirectories(dir.resolve("sd"));
        StringBuilder file = new StringBuilder("[{\"labels\": {\"env\": \"ha\"}, \"targets\": [");
        for (int i = 0; i < TARGETS; i++) {
            file.append(i == 0 ? "" : ", ").append('"').append(exporters.all.get(i).address).append('"');
        }
        Files.writeString(sd.resolve("node.json"), file.append("]}]\n"));
        for (String worker : List.of("prom-1", "prom-2")) {
            startWorker(worker, sd);
        }

        // the storage answers for data older than its latency offset (1 s here); 30 s of scrapes
        Poll.until("every target's up in the storage, one series each, over 30 s", WAIT, Duration.ofSeconds(1),
                () -> storage("count(count_over_time(up{job=\"node\"}[30s]) >= 12)").equals(String.valueOf(TARGETS)));
        JsonNode series = storageResult("up{job=\"node\"}");
        assertEquals(TARGETS, series.size(), "one series per target: " + series);
        for (JsonNode s : series) {
            assertTrue(s.path("metric").path("promshard_worker").isMissingNode(), "a replica label: " + s);
        }
        // two replicas scrape every interval; after deduplication one sample per interval is left
        for (JsonNode s : storageResult("count_over_time(up{job=\"node\"}[30s])")) {
            double samples = s.path("value").path(1).asDouble();
            assertTrue(samples <= 30 / SCRAPE_SECONDS + 2, "samples in 30 s, deduplicated: " + s);
        }
        assertEquals("2", storage("count(up{job=\"prometheus\"})"), "each worker's own metrics, apart");
        assertEquals("2", storage("count(count by (promshard_worker) (up{job=\"prometheus\"}))"));
    }

    private void startStorage() throws Exception {
        Path defaults = root.resolve("ops/victoria-metrics/victoria-metrics");
        storagePort = Processes.freePort();
        List<String> command = new ArrayList<>(List.of("/usr/bin/victoria-metrics"));
        for (String arg : DebianDefaults.args(defaults)) {
            if (arg.startsWith("-storageDataPath=")) {
                command.add("-storageDataPath=" + dir.resolve("storage"));
            } else if (arg.startsWith("-httpListenAddr=")) {
                command.add("-httpListenAddr=127.0.0.1:" + storagePort);
            } else if (arg.startsWith("-dedup.minScrapeInterval=")) {
                command.add("-dedup.minScrapeInterval=" + SCRAPE_SECONDS + "s"); // the workers' interval here
            } else {
                command.add(arg);
            }
        }
        command.add("-search.latencyOffset=1s"); // answer for fresh data: the test reads seconds after writes
        assertTrue(Files.isExecutable(Path.of(command.get(0))),
                "VictoriaMetrics is missing: install Debian's victoria-metrics package (ops/test.sh does)");
        processes.start("victoria-metrics", command);
        Poll.until("VictoriaMetrics to answer", WAIT, Duration.ofMillis(250), () -> processes.alive("victoria-metrics")
                && storageAnswers());
    }

    /** A worker on ops/prometheus/worker-ha.yml writing to this test's storage, intervals short. */
    private void startWorker(String worker, Path sd) throws Exception {
        run.haWorker(worker, SCRAPE_SECONDS, sd, new E2eRun.HaTargets(storagePort, 0));
    }

    private boolean storageAnswers() {
        return !Http.json(URI.create("http://127.0.0.1:" + storagePort + "/api/v1/query?query=1")).isMissingNode();
    }

    private JsonNode storageResult(String promql) {
        return Http.query(storagePort, promql);
    }

    /** The value of a one-sample query, "" when it returns none. */
    private String storage(String promql) {
        JsonNode result = storageResult(promql);
        return result.size() == 1 ? result.get(0).path("value").path(1).asText("") : "";
    }
}
