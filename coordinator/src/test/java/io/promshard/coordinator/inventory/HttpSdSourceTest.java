package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.promshard.client.api.TargetGroup;
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
            exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sd");
        HttpSdSource source = new HttpSdSource("node", url, Duration.ofHours(1), new FileSdParser(1 << 20, false), 4096);
        AtomicInteger changes = new AtomicInteger();
        source.addListener(changes::incrementAndGet);
        try {
            source.start();
            List<TargetGroup> good = List.of(TargetGroup.of(List.of("10.0.0.1:9100", "10.0.0.2:9100"), Map.of("dc", "a")));
            assertEquals(Map.of("node", good), source.groups());
            assertEquals(Map.of(), source.errors());
            assertEquals(1, changes.get());

            String[][] failures = {
                    {"500", "application/json", "[]", "HTTP status 500"},
                    {"200", "text/plain", "[]", "Content-Type"},
                    {"200", "application/json", "[{\"targets\": [\"no-port\"]}]", "is not host:port"},
                    {"200", "application/json", "[{\"targets\": [\"10.0.0.3:1\"], \"labels\": {\"__address__\": \"x:1\"}}]",
                            "reserved"},
                    {"200", "application/json", "{\"not\": \"a list\"}", "list of target groups"},
                    {"200", "application/json", "[" + "{\"targets\": [\"10.0.0.9:1\"]},".repeat(300) + "{}]",
                            "limit of 4096"},
            };
            for (String[] f : failures) {
                answer.set(new Answer(Integer.parseInt(f[0]), f[1], f[2]));
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
                + "/sd"), Duration.ofHours(1), new FileSdParser(1 << 20, false), 1 << 20);
        try {
            source.start();
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
}
