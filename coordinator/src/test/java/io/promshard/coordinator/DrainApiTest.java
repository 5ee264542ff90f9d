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
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Draining through the REST API, and how mutating requests are guarded. */
class DrainApiTest {

    private static final String TOKEN = "test-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private HttpResponse<String> send(DropwizardTestSupport<?> app, String method, String path, String body,
                                      String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getLocalPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The coordinator application on {@code zk}, with the API token and a 4 KiB body limit, started. */
    private DropwizardTestSupport<CoordinatorConfiguration> startCoordinator(TestingServer zk) throws Exception {
        DropwizardTestSupport<CoordinatorConfiguration> app = new DropwizardTestSupport<>(CoordinatorApplication.class,
                ResourceHelpers.resourceFilePath("coordinator-test.yml"),
                ConfigOverride.config("zookeeper.connectString", zk.getConnectString()),
                ConfigOverride.config("outputDirectory", tmp.resolve("out").toString()),
                ConfigOverride.config("api.token", TOKEN),
                ConfigOverride.config("api.maxBodyBytes", "4096"));
        app.before();
        return app;
    }

    private static void assertJsonError(HttpResponse<String> r, int code) throws Exception {
        assertEquals(code, r.statusCode(), r.body());
        JsonNode error = Json.mapper().readTree(r.body());
        assertEquals(code, error.get("code").asInt(), r.body());
        assertTrue(error.get("message").asText().length() > 0, r.body());
    }

    @Test
    void drainEmptiesAWorkerSafelyAndMutationsAreGuarded() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            DropwizardTestSupport<CoordinatorConfiguration> app = startCoordinator(zk);
            TestSidecar w1 = new TestSidecar(zk.getConnectString(), "apptest", "w1", tmp.resolve("sd1"));
            TestSidecar w2 = new TestSidecar(zk.getConnectString(), "apptest", "w2", tmp.resolve("sd2"));
            String bearer = "Bearer " + TOKEN;
            String drain = "/api/v1/workers/w1/drain";
            try {
                Poll.until("both workers holding the 10 targets", Duration.ofSeconds(30),
                        () -> w1.owned().size() + w2.owned().size() == 10 && !w1.owned().isEmpty());

                assertJsonError(send(app, "POST", drain, "{}"), 401);
                assertJsonError(send(app, "POST", drain, "{}", "Authorization", "Bearer wrong"), 401);
                assertJsonError(send(app, "POST", drain, "{}", "Authorization", bearer,
                        "Origin", "http://evil.example"), 403);
                assertJsonError(send(app, "POST", drain, "{\"reason\": ", "Authorization", bearer), 400);
                assertJsonError(send(app, "POST", drain, "{\"reason\": {\"nested\": 1}}", "Authorization", bearer), 400);
                assertJsonError(send(app, "POST", drain, "{\"reason\": \"" + "x".repeat(5000) + "\"}",
                        "Authorization", bearer), 413);
                assertJsonError(send(app, "POST", drain, "{\"reason\": " + "[".repeat(1500) + "]".repeat(1500) + "}",
                        "Authorization", bearer), 400);
                assertJsonError(send(app, "POST", "/api/v1/workers/a%20b/drain", "{}", "Authorization", bearer), 400);

                HttpResponse<String> accepted = send(app, "POST", drain, "{\"reason\": \"kernel upgrade\"}",
                        "Authorization", bearer);
                assertEquals(202, accepted.statusCode(), accepted.body());
                Poll.until("w1 empty and w2 holding everything", Duration.ofSeconds(30), () -> {
                    try {
                        JsonNode s = Json.mapper().readTree(send(app, "GET", drain, null).body());
                        return s.get("empty").asBoolean() && w2.owned().size() == 10;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                // the last active worker cannot be drained: its targets would have nowhere to go
                assertJsonError(send(app, "POST", "/api/v1/workers/w2/drain", "{}", "Authorization", bearer), 409);

                HttpResponse<String> undrained = send(app, "DELETE", drain, null, "Authorization", bearer);
                assertEquals(200, undrained.statusCode(), undrained.body());
                Poll.until("w1 taking a share again", Duration.ofSeconds(30), () -> !w1.owned().isEmpty()
                        && w1.owned().size() + w2.owned().size() == 10);
            } finally {
                w1.close();
                w2.close();
                app.after();
            }
        }
    }

    /**
     * Requests to drain every worker, sent at once, several rounds: at no moment is every active
     * worker drained; the requests that would have done it get 409 (the guard read a cache that
     * lagged the writes, and all of them were accepted).
     */
    @Test
    void drainsSentAtOnceNeverDrainEveryWorker() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            DropwizardTestSupport<CoordinatorConfiguration> app = startCoordinator(zk);
            java.util.List<TestSidecar> sidecars = new java.util.ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                sidecars.add(new TestSidecar(zk.getConnectString(), "apptest", "w" + i, tmp.resolve("sd" + i)));
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
            try {
                Poll.until("three active workers", Duration.ofSeconds(30), () -> {
                    try {
                        return Json.mapper().readTree(send(app, "GET", "/api/v1/status", null).body())
                                .get("workers").asInt() == 3;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                for (int round = 0; round < 10; round++) {
                    // connections opened first, requests written together: they arrive within microseconds
                    java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(3);
                    java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
                    for (int i = 1; i <= 3; i++) {
                        java.net.Socket socket = new java.net.Socket("127.0.0.1", app.getLocalPort());
                        byte[] request = ("POST /api/v1/workers/w" + i + "/drain HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                + "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                        answers.add(pool.submit(() -> {
                            try (socket) {
                                together.await();
                                socket.getOutputStream().write(request);
                                String status = new java.io.BufferedReader(new java.io.InputStreamReader(
                                        socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII)).readLine();
                                return Integer.parseInt(status.split(" ")[1]);
                            }
                        }));
                    }
                    int accepted = 0;
                    for (java.util.concurrent.Future<Integer> a : answers) {
                        int code = a.get();
                        assertTrue(code == 202 || code == 409, "answer " + code);
                        accepted += code == 202 ? 1 : 0;
                    }
                    assertEquals(2, accepted, "round " + round + ": exactly one worker must stay undrained");
                    for (int i = 1; i <= 3; i++) {
                        assertEquals(200, send(app, "DELETE", "/api/v1/workers/w" + i + "/drain", null,
                                "Authorization", "Bearer " + TOKEN).statusCode());
                    }
                }
            } finally {
                pool.shutdownNow();
                for (TestSidecar s : sidecars) {
                    s.close();
                }
                app.after();
            }
        }
    }
}
