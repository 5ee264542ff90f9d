package io.promshard.bench.race;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
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
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * promshard: ZooKeeper and the packaged coordinator, and per worker a scraper (a Prometheus, or a
 * vmagent) reading its sidecar's files next to the packaged sidecar. A scale-out is one more worker
 * started; a scale-in drains the worker, then stops it (the runbook's removal); then a drain of one
 * worker and a kill -9 of another's scraper and sidecar. Each step is done when the coordinator has
 * the new membership with no hand-off open or move deferred.
 */
final class PromshardContender implements Contender {

    private static final String TOKEN = "race-token";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The scraper each worker runs. */
    enum Scraper {
        PROMETHEUS, VMAGENT
    }

    private final RaceRun run;
    private final Scraper scraper;
    private final String name;
    private final TreeSet<String> live = new TreeSet<>();
    private int zooKeeperPort;
    private int apiPort;

    PromshardContender(RaceRun run, Scraper scraper) {
        this.run = run;
        this.scraper = scraper;
        this.name = scraper == Scraper.PROMETHEUS ? "promshard-prometheus" : "promshard-vmagent";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start() throws Exception {
        zooKeeperPort = Processes.freePort();
        run.processes.zooKeeper(run.root.resolve("coordinator/target/promshard-coordinator.jar"), zooKeeperPort,
                Processes.SMALL_JVM, List.of("tickTime=500", "initLimit=10", "syncLimit=5"), RaceRun.WAIT);
        startCoordinator();
        for (int i = 0; i < 4; i++) {
            startWorker("s" + i);
        }
        awaitSettled(4);
        // the balance by series is what a running fleet has: the steps start once every worker reported
        await("every worker's series reported", () -> {
            JsonNode workers = json(api("/workers"));
            int reported = 0;
            for (JsonNode w : workers) {
                reported += w.path("series").asLong() > 0 ? 1 : 0;
            }
            return reported == live.size();
        });
        awaitSettled(4);
    }

    @Override
    public List<Step> steps() {
        return List.of(new Step("scale out 4 -> 5", null, 5), new Step("scale in 5 -> 4", "s4", 4),
                new Step("drain", "s1", 3), new Step("kill -9", "s2", 2));
    }

    @Override
    public void run(Step step) throws Exception {
        switch (step.name()) {
            case "scale out 4 -> 5" -> {
                startWorker("s4");
                awaitSettled(5);
            }
            case "scale in 5 -> 4" -> {
                drain(step.leaving());
                stopWorker(step.leaving());
                awaitSettled(4);
            }
            case "drain" -> {
                drain(step.leaving());
                awaitSettled(4); // the drained worker stays a member, owning nothing
            }
            case "kill -9" -> {
                run.processes.get(name + "-sidecar-" + step.leaving()).kill9();
                run.processes.get(name + "-" + step.leaving()).kill9();
                live.remove(step.leaving());
                awaitSettled(3);
            }
            default -> throw new IllegalArgumentException("no step " + step.name());
        }
    }

    private void startCoordinator() throws Exception {
        apiPort = Processes.freePort();
        Path yml = run.dir.resolve(name + "-coordinator.yml");
        Files.writeString(yml, """
                coordinatorId: c1
                inventory:
                  refreshInterval: 1s
                  jobs:
                    - {name: node, files: ["%s"]}
                assignment: {settleTime: 500ms, reassignmentDelay: 2s, handoffTimeout: 90s}
                api: {token: %s}
                outputDirectory: %s
                """.formatted(run.targets, TOKEN, run.dir.resolve(name + "-output")) + common(apiPort));
        run.processes.start(name + "-coordinator", Processes.smallJvm("-jar",
                run.root.resolve("coordinator/target/promshard-coordinator.jar").toString(), "server", yml.toString()));
        await("the coordinator's API", () -> status().has("epoch"));
    }

    /** Worker {@code worker}: its scraper reading the sidecar's files, and the sidecar. */
    private void startWorker(String worker) throws Exception {
        Path sd = Files.createDirectories(run.dir.resolve(name + "-" + worker + "-sd"));
        int port;
        if (scraper == Scraper.PROMETHEUS) {
            Path config = run.dir.resolve(name + "-" + worker + ".yml");
            Files.writeString(config, run.prometheusHead(name, worker) + """
                    scrape_configs:
                      - job_name: node
                        file_sd_configs: [{files: ["%s/node.json"]}]
                    """.formatted(sd));
            port = run.prometheus(name + "-" + worker, config);
        } else {
            port = run.vmagent(name + "-" + worker, run.vmagentScrapeConfig(name + "-" + worker, sd.resolve("node.json")),
                    name, worker, List.of());
        }
        int sidecarPort = Processes.freePort();
        Path yml = run.dir.resolve(name + "-" + worker + "-sidecar.yml");
        Files.writeString(yml, """
                worker: {id: %s, prometheusUrl: "http://127.0.0.1:%d", sidecarUrl: "http://127.0.0.1:%d"}
                prometheus: {readinessInterval: 500ms, confirmInterval: 500ms, seriesReportInterval: 5s, withdrawAfter: 10s}
                outputDirectory: %s
                """.formatted(worker, port, sidecarPort, sd) + common(sidecarPort));
        run.processes.start(name + "-sidecar-" + worker, Processes.smallJvm("-jar",
                run.root.resolve("worker-sidecar/target/promshard-worker-sidecar.jar").toString(), "server",
                yml.toString()));
        live.add(worker);
    }

    private void stopWorker(String worker) throws Exception {
        run.processes.get(name + "-sidecar-" + worker).close();
        run.processes.get(name + "-" + worker).close();
        live.remove(worker);
    }

    /** The blocks every process's configuration has: ZooKeeper, the API on {@code port}, logging. */
    private String common(int port) throws IOException {
        return """
                zookeeper: {connectString: "127.0.0.1:%d", cluster: %s, sessionTimeout: 6s}
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, port: %d}]
                logging:
                  level: WARN
                """.formatted(zooKeeperPort, name, port, Processes.freePort());
    }

    private void drain(String worker) throws Exception {
        HttpResponse<String> drain = HTTP.send(HttpRequest.newBuilder(api("/workers/" + worker + "/drain"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"race\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (drain.statusCode() != 202) {
            throw new IllegalStateException("drain " + worker + ": HTTP " + drain.statusCode() + " " + drain.body());
        }
        await(worker + " drained and empty", () -> json(api("/workers/" + worker + "/drain")).path("empty").asBoolean());
    }

    /** {@code workers} members, nothing handed off or deferred. */
    private void awaitSettled(int workers) throws InterruptedException {
        await(workers + " workers settled", () -> {
            JsonNode status = status();
            return status.path("workers").asInt() == workers && status.path("handoffs").asInt() == 0
                    && status.path("deferredMoves").asLong() == 0 && status.path("epoch").asLong() > 0;
        });
    }

    private JsonNode status() {
        return json(api("/status"));
    }

    private URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort + "/api/v1" + path);
    }

    private static JsonNode json(URI uri) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Json.mapper().readTree(r.body()) : Json.mapper().missingNode();
        } catch (IOException e) {
            return Json.mapper().missingNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Json.mapper().missingNode();
        }
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + RaceRun.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": " + what + " not reached within " + RaceRun.WAIT);
            }
            Thread.sleep(250); // polling the coordinator's API
        }
    }

    @Override
    public void close() throws Exception {
        for (String worker : List.copyOf(live)) {
            stopWorker(worker);
        }
        run.processes.get(name + "-coordinator").close();
        run.processes.get("zookeeper").close();
    }
}
