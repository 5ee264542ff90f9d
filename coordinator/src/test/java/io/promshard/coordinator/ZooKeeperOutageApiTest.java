package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read endpoints while ZooKeeper is down: they answer (the last state read, marked stale)
 * instead of holding a Jetty thread in Curator's retries, and are current again once it is back.
 */
class ZooKeeperOutageApiTest {

    /** A hang detector, far above the 500 ms the endpoints wait for ZooKeeper; not a speed goal. */
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(DEADLINE).build();

    @TempDir
    Path tmp;

    private static HttpResponse<String> get(DropwizardTestSupport<?> app, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getLocalPort() + path))
                .timeout(DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readEndpointsAnswerTheLastKnownStateWhileZooKeeperIsDown() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            DropwizardTestSupport<CoordinatorConfiguration> app = new DropwizardTestSupport<>(CoordinatorApplication.class,
                    ResourceHelpers.resourceFilePath("coordinator-test.yml"),
                    ConfigOverride.config("zookeeper.connectString", zk.getConnectString()),
                    ConfigOverride.config("outputDirectory", tmp.resolve("out").toString()));
            app.before();
            TestSidecar w1 = new TestSidecar(zk.getConnectString(), "apptest", "w1", tmp.resolve("sd1"));
            try {
                Poll.until("w1 holding the 10 targets", Duration.ofSeconds(30), () -> w1.owned().size() == 10);
                JsonNode before = Json.mapper().readTree(get(app, "/api/v1/status").body());
                assertFalse(before.get("stale").asBoolean(), before.toString());
                long epoch = before.get("epoch").asLong();
                assertTrue(epoch >= 1);
                get(app, "/api/v1/workers");

                zk.stop();
                // a value read within the last refresh intervals is answered from memory until the
                // session notices the outage or the refreshes fail: then, within seconds, it is marked stale
                Poll.until("the status marked stale", Duration.ofSeconds(30), () -> {
                    try {
                        return Json.mapper().readTree(get(app, "/api/v1/status").body()).get("stale").asBoolean();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                // the pages rendered before the outage are answered until the session notices it
                Poll.until("the workers list and /metrics telling of the outage", Duration.ofSeconds(30), () -> {
                    try {
                        return get(app, "/api/v1/workers").headers().firstValue("Warning").isPresent()
                                && get(app, "/metrics").body().contains("promshard_zookeeper_connected 0");
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                for (int i = 0; i < 3; i++) { // again and again: no read piles up behind the first
                    HttpResponse<String> status = get(app, "/api/v1/status");
                    assertEquals(200, status.statusCode(), status.body());
                    JsonNode s = Json.mapper().readTree(status.body());
                    assertTrue(s.get("stale").asBoolean(), status.body());
                    assertEquals(epoch, s.get("epoch").asLong(), "the last epoch read");
                    HttpResponse<String> workers = get(app, "/api/v1/workers");
                    assertEquals(200, workers.statusCode(), workers.body());
                    assertTrue(workers.headers().firstValue("Warning").orElse("").startsWith("110"),
                            workers.headers().map().toString());
                    assertEquals(epoch, Json.mapper().readTree(workers.body()).get(0).get("epoch").asLong());
                    HttpResponse<String> metrics = get(app, "/metrics");
                    assertEquals(200, metrics.statusCode());
                    assertTrue(metrics.body().contains("promshard_zookeeper_connected 0"), metrics.body());
                    assertEquals(200, get(app, "/").statusCode());
                }

                zk.restart();
                Poll.until("the status current again", Duration.ofSeconds(60), () -> {
                    try {
                        return !Json.mapper().readTree(get(app, "/api/v1/status").body()).get("stale").asBoolean();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
            } finally {
                w1.close();
                app.after();
            }
        }
    }
}
