package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.testing.Poll;
import io.promshard.coordinator.cluster.StallingHttpSd;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The upstream http_sd source against a real HTTP server on loopback answering as an http_sd
 * provider does, and as a broken one does: every failure keeps the last good answer.
 */
class HttpSdSourceTest {

    record Answer(int status, String type, String body) {
    }

    @Test
    void pollsKeepsTheLastGoodAnswerOnEveryKindOfFailure() throws Exception {
        AtomicReference<Answer> answer = new AtomicReference<>(new Answer(200, "application/json",
                "[{\"targets\": [\"10.0.0.1:9100\", \"10.0.0.2:9100\"], \"labels\": {\"dc\": \"a\"}}]"));
        AtomicInteger polls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/sd", exchange -> {
            polls.incrementAndGet();
            Answer a = answer.get();
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", a.type());
            // status 0: 200 without a Content-Length, so only the bytes received can exceed the limit
            exchange.sendResponseHeaders(a.status() == 0 ? 200 : a.status(), a.status() == 0 ? 0
                    : body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sd");
        HttpSdSource source = new HttpSdSource("node", url, Duration.ofHours(1), new FileSdParser(1 << 20), 4096);
        AtomicInteger changes = new AtomicInteger();
        source.addListener(changes::incrementAndGet);
        try {
            source.start();
            List<TargetGroup> good = List.of(TargetGroup.of(List.of("10.0.0.1:9100", "10.0.0.2:9100"), Map.of("dc", "a")));
            Poll.until("the first answer", Duration.ofSeconds(30), () -> !source.groups().isEmpty());
            assertEquals(Map.of("node", good), source.groups());
            assertEquals(Map.of(), source.errors());
            assertEquals(1, changes.get());

            String[][] failures = {
                    {"500", "application/json", "[]", "HTTP status 500"},
                    {"200", "text/plain", "[]", "Content-Type"},
                    {"200", "application/json", "[{\"targets\": [9100]}]", "must be a string"},
                    {"200", "application/json", "[{\"targets\": [\"10.0.0.3:1\"], \"labels\": {\"1x\": \"y\"}}]",
                            "is not a valid label name"},
                    {"200", "application/json", "{\"not\": \"a list\"}", "list of target groups"},
                    {"200", "application/json", "[" + "{\"targets\": [\"10.0.0.9:1\"]},".repeat(300) + "{}]",
                            "limit of 4096"},
                    {"chunked", "application/json", "[" + "{\"targets\": [\"10.0.0.9:1\"]},".repeat(300) + "{}]",
                            "limit of 4096"},
            };
            for (String[] f : failures) {
                answer.set(new Answer(f[0].equals("chunked") ? 0 : Integer.parseInt(f[0]), f[1], f[2]));
                source.poll();
                assertEquals(Map.of("node", good), source.groups(), "after " + f[3]);
                String error = source.errors().get(url.toString());
                assertTrue(error != null && error.contains(f[3]) && error.contains(url.toString()), error);
            }
            assertEquals(failures.length, source.refusals());
            server.stop(0);
            source.poll();
            assertEquals(Map.of("node", good), source.groups(), "after the server went away");
            assertTrue(source.errors().get(url.toString()).contains(url.toString()));
            assertEquals(1, changes.get(), "no failure changed the groups");
        } finally {
            source.close();
            server.stop(0);
        }
        assertTrue(polls.get() >= 1 + 6);
    }

    /**
     * A coordinator starting while the endpoint is down must not publish a rebalance without its
     * targets: the source is not ready until the first answer, or until its grace period passes.
     */
    @Test
    void notReadyUntilTheFirstAnswerOrTheGracePeriod() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger status = new AtomicInteger(503);
        server.createContext("/sd", exchange -> {
            byte[] b = "[{\"targets\": [\"10.0.0.1:9100\"]}]".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), b.length);
            exchange.getResponseBody().write(b);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sd");
        FileSdParser parser = new FileSdParser(1 << 20);
        HttpSdSource waiting = new HttpSdSource("node", url, Duration.ofHours(1), parser, 1 << 20, Duration.ofHours(1));
        HttpSdSource giving = new HttpSdSource("node", url, Duration.ofHours(1), parser, 1 << 20, Duration.ofMillis(300));
        try {
            assertFalse(waiting.isReady(), "not started");
            waiting.start();
            giving.start();
            Poll.until("the first refusal", Duration.ofSeconds(30), () -> waiting.refusals() > 0);
            assertFalse(waiting.isReady(), "the endpoint answered 503");
            assertEquals(Map.of(), waiting.groups());
            Poll.until("the short grace period over", Duration.ofSeconds(10), giving::isReady);
            assertEquals(Map.of(), giving.groups(), "ready without targets");
            assertFalse(waiting.isReady(), "the long grace period is not over");
            status.set(200);
            waiting.poll();
            assertTrue(waiting.isReady());
            assertEquals(1, waiting.groups().get("node").size());
            status.set(503);
            waiting.poll();
            assertTrue(waiting.isReady(), "ready stays: the last good answer is in force");
        } finally {
            waiting.close();
            giving.close();
            server.stop(0);
        }
    }

    @Test
    void anEmptyListIsAValidAnswer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicReference<String> body = new AtomicReference<>("[{\"targets\": [\"10.0.0.1:9100\"]}]");
        server.createContext("/sd", exchange -> {
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, b.length);
            exchange.getResponseBody().write(b);
            exchange.close();
        });
        server.start();
        HttpSdSource source = new HttpSdSource("node", URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                + "/sd"), Duration.ofHours(1), new FileSdParser(1 << 20), 1 << 20);
        try {
            source.start();
            Poll.until("the first answer", Duration.ofSeconds(30), () -> !source.groups().isEmpty());
            assertEquals(1, source.groups().get("node").size());
            body.set("[]"); // as in Prometheus: the upstream has no targets now
            source.poll();
            assertEquals(Map.of(), source.groups());
            assertEquals(Map.of(), source.errors());
        } finally {
            source.close();
            server.stop(0);
        }
    }

    /**
     * An endpoint that sends its headers and then stalls its body: the source starts at once (the
     * coordinator's start waited for it forever), the answer is refused at the timeout naming the
     * URL, and the source keeps its last good answer.
     */
    @Test
    void anEndpointThatStallsItsBodyIsRefusedAtTheTimeoutAndHoldsUpNothing() throws Exception {
        StallingHttpSd endpoint = new StallingHttpSd("node", 1);
        endpoint.stall();
        URI url = endpoint.url();
        HttpSdSource source = new HttpSdSource("node", url, Duration.ofHours(1), new FileSdParser(1 << 20),
                1 << 20, Duration.ofHours(1), Duration.ofMillis(500));
        try {
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), source::start,
                    "start must not wait for the endpoint");
            Poll.until("the stalled answer refused", Duration.ofSeconds(30), () -> source.refusals() > 0);
            String error = source.errors().get(url.toString());
            assertTrue(error.contains("no complete answer within 500 ms") && error.contains(url.toString()), error);
            assertFalse(source.isReady());
            endpoint.resume();
            source.poll();
            assertEquals(1, source.groups().get("node").size());
            endpoint.stall();
            source.poll();
            assertEquals(1, source.groups().get("node").size(), "the last good answer stays");
        } finally {
            source.close();
            endpoint.close();
        }
    }
}
