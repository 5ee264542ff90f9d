package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import io.promshard.client.Json;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.coordinator.cluster.TestSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged application's wiring: REST, health, output files, on real ZooKeeper, on loopback port 0. */
class CoordinatorApplicationTest {

    @TempDir
    static Path tmp;

    private static TestingServer zk;
    private static DropwizardTestSupport<CoordinatorConfiguration> app;
    private static TestSidecar sidecar;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        zk = LoopbackZooKeeper.start();
        app = new DropwizardTestSupport<>(CoordinatorApplication.class,
                ResourceHelpers.resourceFilePath("coordinator-test.yml"),
                ConfigOverride.config("zookeeper.connectString", zk.getConnectString()),
                ConfigOverride.config("outputDirectory", tmp.resolve("out").toString()),
                ConfigOverride.config("coordinatorId", "c-test"));
        app.before();
        sidecar = new TestSidecar(zk.getConnectString(), "apptest", "w1", tmp.resolve("sd"));
        Poll.until("w1 to hold all 10 targets", Duration.ofSeconds(30), () -> sidecar.owned().size() == 10);
    }

    @AfterAll
    static void stop() throws Exception {
        sidecar.close();
        app.after();
        zk.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getLocalPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return Json.mapper().readTree(r.body());
    }

    @Test
    void statusNamesTheLeaderAndCounts() throws Exception {
        JsonNode status = json("/api/v1/status");
        assertEquals("c-test", status.get("coordinator").asText());
        assertTrue(status.get("isLeader").asBoolean());
        assertEquals("c-test", status.get("leader").asText());
        assertEquals(1, status.get("workers").asInt());
        assertEquals(10, status.get("targets").asInt());
        assertTrue(status.get("epoch").asLong() >= 1);
    }

    @Test
    void workersAndAssignments() throws Exception {
        JsonNode workers = json("/api/v1/workers");
        assertEquals(1, workers.size());
        assertEquals("w1", workers.get(0).get("id").asText());
        assertEquals(10, workers.get(0).get("targets").asInt());
        JsonNode assignment = json("/api/v1/assignments/w1");
        assertEquals(10, assignment.get("targetCount").asInt());
        // canonical order: groups by their labels, the unlabelled group first
        assertEquals("", assignment.at("/jobs/static/0/labels/env").asText());
        assertEquals("test", assignment.at("/jobs/static/1/labels/env").asText());
        assertEquals(5, assignment.at("/jobs/static/1/targets").size());
    }

    @Test
    void unknownAndInvalidWorkersGetJsonErrors() throws Exception {
        HttpResponse<String> missing = get("/api/v1/assignments/nobody");
        assertEquals(404, missing.statusCode());
        assertEquals(404, Json.mapper().readTree(missing.body()).get("code").asInt());
        HttpResponse<String> invalid = get("/api/v1/assignments/a%20b");
        assertEquals(400, invalid.statusCode());
        assertTrue(Json.mapper().readTree(invalid.body()).get("message").asText().contains("invalid worker id"));
    }

    @Test
    void theAdminConnectorListensOnLoopbackWithoutABindHost() throws Exception {
        // coordinator-test.yml has a server block whose admin connector names no bindHost
        assertTrue(io.promshard.client.testing.ListeningSockets.onLoopbackOnly(app.getAdminPort()),
                "admin port " + app.getAdminPort() + " listens on "
                        + io.promshard.client.testing.ListeningSockets.addresses(app.getAdminPort()));
    }

    @Test
    void healthAndOutputFiles() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.getAdminPort() + "/healthcheck")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(Json.mapper().readTree(health.body()).at("/zookeeper/healthy").asBoolean(), health.body());
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.getAdminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(0, Json.mapper().readTree(metrics.body()).at("/gauges/promshard.inventory.refusals/value").asInt(-1),
                metrics.body().length() > 300 ? metrics.body().substring(0, 300) : metrics.body());
        Path federation = tmp.resolve("out/federation.json");
        Poll.until("federation.json listing w1", Duration.ofSeconds(30), () -> {
            try {
                return Files.readString(federation).contains("\"promshard_worker\" : \"w1\"");
            } catch (java.io.IOException notYetWritten) {
                return false;
            }
        });
        Poll.until("the leader's copy of w1's files", Duration.ofSeconds(30),
                () -> Files.exists(tmp.resolve("out/w1/static.json")));
    }
}
