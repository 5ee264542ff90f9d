package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * promshard as an operator runs it, for an end-to-end test: ZooKeeper as its own process, the
 * packaged coordinator and worker sidecar jars on configuration files written here, all on loopback
 * and started through the test's {@link E2eRun}. Each worker's sidecar serves one Prometheus (or
 * other scraper) the test starts itself.
 */
final class PromshardCluster {

    static final String TOKEN = "e2e-token";
    static final Duration WAIT = Duration.ofSeconds(180);

    private final E2eRun run;
    private final int sessionSeconds;
    private final Map<String, Integer> sidecarPorts = new TreeMap<>();
    /** Workers whose processes the test killed: not waited for. */
    private final Set<String> killed = new TreeSet<>();
    private int zooKeeperPort;
    private int apiPort;

    /** @param sessionSeconds the ZooKeeper session timeout of every process */
    PromshardCluster(E2eRun run, int sessionSeconds) {
        this.run = run;
        this.sessionSeconds = sessionSeconds;
        for (String jar : List.of("coordinator/target/promshard-coordinator.jar",
                "worker-sidecar/target/promshard-worker-sidecar.jar")) {
            if (!Files.isRegularFile(run.root().resolve(jar))) {
                fail(jar + " is missing: the end-to-end tests start the packaged jars; run mvn verify from the root");
            }
        }
    }

    /** ZooKeeper from the coordinator jar (which carries the project's ZooKeeper), as its own process. */
    void startZooKeeper() throws Exception {
        zooKeeperPort = Processes.freePort();
        run.processes().zooKeeper(run.root().resolve("coordinator/target/promshard-coordinator.jar"), zooKeeperPort,
                Processes.SMALL_JVM, List.of("tickTime=500", "initLimit=10", "syncLimit=5", "maxSessionTimeout=60000"),
                WAIT);
    }

    /**
     * The coordinator with {@code inventoryAndAssignment} (the {@code inventory:} and {@code assignment:}
     * blocks, YAML) and this cluster's ZooKeeper, API (token {@link #TOKEN}) and output directory.
     */
    void startCoordinator(String inventoryAndAssignment) throws Exception {
        apiPort = Processes.freePort();
        Path yml = run.dir().resolve("coordinator.yml");
        Files.writeString(yml, """
                coordinatorId: c1
                %s
                api: {token: %s}
                outputDirectory: %s
                """.formatted(inventoryAndAssignment.strip(), TOKEN, run.dir().resolve("coordinator-out"))
                + common(apiPort));
        run.processes().start("coordinator", Processes.smallJvm("-jar",
                run.root().resolve("coordinator/target/promshard-coordinator.jar").toString(), "server", yml.toString()));
        poll("the coordinator's API", () -> run.processes().alive("coordinator") && status().has("epoch"));
    }

    /** Worker {@code worker}'s sidecar in {@code zone}, serving the Prometheus on {@code prometheusPort}, its files in {@code sd}. */
    void startSidecar(String worker, String zone, int prometheusPort, Path sd) throws Exception {
        startSidecar(worker, zone, prometheusPort, sd, "");
    }

    /**
     * As {@link #startSidecar(String, String, int, Path)}, with {@code prometheusSettings} added to
     * its {@code prometheus:} block (YAML flow-mapping entries, such as {@code kind: agent}).
     */
    void startSidecar(String worker, String zone, int prometheusPort, Path sd, String prometheusSettings)
            throws Exception {
        int port = Processes.freePort();
        sidecarPorts.put(worker, port);
        Path yml = run.dir().resolve(worker + "-sidecar.yml");
        Files.writeString(yml, """
                worker: {id: %s, zone: "%s", prometheusUrl: "http://127.0.0.1:%d", sidecarUrl: "http://127.0.0.1:%d"}
                prometheus: {readinessInterval: 500ms, confirmInterval: 500ms, seriesReportInterval: 5s, withdrawAfter: 10s%s}
                outputDirectory: %s
                """.formatted(worker, zone, prometheusPort, port,
                prometheusSettings.isEmpty() ? "" : ", " + prometheusSettings, sd) + common(port));
        run.processes().start("sidecar-" + worker, Processes.smallJvm("-jar",
                run.root().resolve("worker-sidecar/target/promshard-worker-sidecar.jar").toString(), "server",
                yml.toString()));
        poll(worker + "'s sidecar to be ACTIVE", () -> run.processes().alive("sidecar-" + worker)
                && "ACTIVE".equals(sidecarStatus(worker).path("state").asText()));
    }

    /** The blocks every process's configuration has: ZooKeeper, the API on {@code port} (admin on a free port), logging. */
    private String common(int port) throws IOException {
        return """
                zookeeper: {connectString: "127.0.0.1:%d", cluster: e2e, sessionTimeout: %ds}
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, port: %d}]
                logging:
                  level: INFO
                  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
                """.formatted(zooKeeperPort, sessionSeconds, port, Processes.freePort());
    }

    /** Drains {@code worker} through the API and waits until it holds nothing. */
    void drain(String worker) throws Exception {
        HttpResponse<String> drain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(api("/workers/" + worker + "/drain"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"e2e\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, drain.statusCode(), drain.body());
        poll(worker + " to be drained and empty", () -> Http.json(api("/workers/" + worker + "/drain")).path("empty")
                .asBoolean());
    }

    /**
     * Waits until {@code workers} workers are members, nothing is handed off or deferred, and every
     * live sidecar has acknowledged what it applied.
     */
    void awaitSettled(int workers) {
        poll(workers + " workers to settle", () -> settled(status(), workers,
                liveWorkers().stream().map(this::sidecarStatus).toList()));
    }

    /**
     * Whether a coordinator {@code status} counts {@code workers} workers with nothing handed off or
     * deferred, and each of the {@code sidecars}' statuses has acknowledged what it applied.
     */
    static boolean settled(JsonNode status, int workers, List<JsonNode> sidecars) {
        if (status.path("workers").asInt() != workers || status.path("handoffs").asInt() != 0
                || status.path("deferredMoves").asLong() != 0 || status.path("epoch").asLong() <= 0) {
            return false;
        }
        for (JsonNode st : sidecars) {
            if (st.path("applied").path("epoch").asLong() == 0
                    || st.path("ackedEpoch").asLong() != st.path("applied").path("epoch").asLong()) {
                return false;
            }
        }
        return true;
    }

    /** The workers whose sidecars the test started and did not kill, alive now. */
    List<String> liveWorkers() {
        return sidecarPorts.keySet().stream()
                .filter(w -> !killed.contains(w) && run.processes().alive("sidecar-" + w)).toList();
    }

    URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort + "/api/v1" + path);
    }

    JsonNode status() {
        return Http.json(api("/status"));
    }

    JsonNode sidecarStatus(String worker) {
        return Http.json(URI.create("http://127.0.0.1:" + sidecarPorts.get(worker) + "/api/v1/status"));
    }

    /** The value of the sidecar's metric sample {@code sample} (name and labels as written), or -1 when absent. */
    double sidecarMetric(String worker, String sample) {
        for (String line : Http.get(URI.create("http://127.0.0.1:" + sidecarPorts.get(worker) + "/metrics")).split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return -1;
    }

    /** kill -9 of a worker's sidecar and its Prometheus (named {@code prometheus-<worker>}). */
    void kill9(String worker) throws IOException, InterruptedException {
        killed.add(worker);
        run.processes().get("sidecar-" + worker).kill9();
        run.processes().get("prometheus-" + worker).kill9();
    }

    /** Polls every 250 ms: most conditions here cost requests to other processes. */
    static void poll(String what, java.util.function.Supplier<Boolean> condition) {
        Poll.until(what, WAIT, Duration.ofMillis(250), condition);
    }
}
