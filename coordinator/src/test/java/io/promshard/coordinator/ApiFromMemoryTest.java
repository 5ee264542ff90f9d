package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.DropwizardTestSupport;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The read endpoints a wall of dashboards and a few Prometheus servers poll (status, workers,
 * metrics, coverage, events) answer from the coordinator's memory: on the leader and on a standby,
 * however many requests arrive, ZooKeeper sees at most a refresh per second per cached read, not
 * a read per request. Counted on the server ({@code mntr}'s packets received), against the same
 * time idle.
 */
class ApiFromMemoryTest {

    private static final List<String> POLLED = List.of("/api/v1/status", "/api/v1/workers", "/metrics");
    /** Answered by the leader alone (a standby says 503 and names it). */
    private static final List<String> LEADER_ONLY = List.of("/api/v1/coverage", "/api/v1/events");
    private static final List<String> ALL = java.util.stream.Stream.concat(POLLED.stream(), LEADER_ONLY.stream())
            .toList();
    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final int CLIENTS = 16;

    @Test
    void pollingTheApiCostsZooKeeperNoReadPerRequest() throws Exception {
        // the in-process server answers mntr only when allowed before its first four-letter command
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        try (ApiCluster cluster = ApiCluster.start("api-memory")) {
            DropwizardTestSupport<CoordinatorConfiguration> standby = ApiCluster.startApp(cluster.zk,
                    Files.createTempDirectory("api-memory-standby"), "c2");
            try {
                int zkPort = cluster.zk.getPort();
                assertFalse(Processes.mntr(zkPort).isEmpty(), "mntr must answer (4lw whitelist set too late?)");
                List<String> bases = List.of(cluster.url(), "http://127.0.0.1:" + standby.getLocalPort());
                Poll.until("the standby listing both workers", Duration.ofSeconds(30),
                        () -> get(bases.get(1) + "/api/v1/workers").contains("\"w2\""));
                poll(bases, Duration.ofSeconds(2)); // every cache filled once

                long idle = packetsDuring(zkPort, () -> sleep(WINDOW));
                long[] requests = new long[1];
                long polled = packetsDuring(zkPort, () -> requests[0] = poll(bases, WINDOW));
                long extra = polled - idle;
                System.out.printf("ApiFromMemoryTest: %d requests in %d ms; ZooKeeper packets %d idle, %d polled%n",
                        requests[0], WINDOW.toMillis(), idle, polled);
                assertTrue(requests[0] >= 200, "too few requests to tell: " + requests[0]);
                // a refresh a second of each election view (state, leader, participants: 6 reads) and of the
                // standby's manifests (2): about 14 a second, 42-56 over the window; a read per request is
                // over 700 here even with the leader's manifests from memory
                assertTrue(extra < 120, extra + " more ZooKeeper packets for " + requests[0] + " requests than idle ("
                        + idle + ")");
            } finally {
                standby.after();
            }
        }
    }

    /** Packets ZooKeeper received while {@code during} ran. */
    private static long packetsDuring(int zkPort, Runnable during) {
        long before = packets(zkPort);
        during.run();
        return packets(zkPort) - before;
    }

    private static long packets(int zkPort) {
        Map<String, String> mntr = Processes.mntr(zkPort);
        assertTrue(mntr.containsKey("zk_packets_received"), mntr.toString());
        return Long.parseLong(mntr.get("zk_packets_received"));
    }

    /** {@value #CLIENTS} clients polling every endpoint of every base for {@code window}; the requests made. */
    private static long poll(List<String> bases, Duration window) {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            long until = System.nanoTime() + window.toNanos();
            List<Future<Long>> counts = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                counts.add(clients.submit(() -> {
                    long n = 0;
                    while (System.nanoTime() < until) {
                        for (String base : bases) {
                            for (String path : base.equals(bases.get(0)) ? ALL : POLLED) {
                                get(base + path);
                                n++;
                            }
                        }
                    }
                    return n;
                }));
            }
            long total = 0;
            for (Future<Long> f : counts) {
                total += f.get();
            }
            return total;
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            clients.shutdownNow();
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String get(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), url + ": " + r.body());
            return r.body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis()); // the idle window: packets counted while nothing asks
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
