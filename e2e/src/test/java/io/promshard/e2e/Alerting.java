package io.promshard.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.promshard.client.Json;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real Alertmanager on ops/alertmanager/alertmanager.yml (its grouping delays shortened) whose
 * webhook receiver is this object: every notification it sends is kept, with when it arrived.
 * Started through the test's {@link E2eRun}; {@link #close} stops the receiver.
 */
final class Alerting implements AutoCloseable {

    /** A notification and when the receiver got it. */
    record Notification(Instant at, JsonNode body) {
        String status() {
            return body.path("status").asText();
        }

        /** Whether one of its alerts is {@code alertname} on {@code instance}. */
        boolean about(String alertname, String instance) {
            for (JsonNode a : body.path("alerts")) {
                if (a.path("labels").path("alertname").asText().equals(alertname)
                        && a.path("labels").path("instance").asText().equals(instance)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final HttpServer receiver;
    final List<Notification> notifications = new CopyOnWriteArrayList<>();
    final int port;

    /** Starts the receiver and Alertmanager with {@code groupInterval}, group_wait 1 s. */
    Alerting(E2eRun run, Duration groupInterval) throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/alerts", exchange -> {
            notifications.add(new Notification(Instant.now(),
                    Json.mapper().readTree(exchange.getRequestBody().readAllBytes())));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        port = Processes.freePort();
        Path d = Files.createDirectories(run.dir().resolve("alertmanager"));
        String config = Files.readString(run.root().resolve("ops/alertmanager/alertmanager.yml"))
                .replace("http://127.0.0.1:5001/alerts", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts")
                .replace("group_wait: 10s", "group_wait: 1s")
                .replace("group_interval: 1m", "group_interval: " + groupInterval.toSeconds() + "s");
        Files.writeString(d.resolve("alertmanager.yml"), config);
        Path binary = Path.of("/usr/bin/prometheus-alertmanager");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(
                    binary + " is missing: install Debian's prometheus-alertmanager package (ops/test.sh does)");
        }
        run.processes().start("alertmanager", List.of(binary.toString(), "--config.file=" + d.resolve("alertmanager.yml"),
                "--storage.path=" + d.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=", "--log.level=warn"));
        Poll.until("Alertmanager to be ready", E2eRun.WAIT, Duration.ofMillis(250), () -> run.processes().alive("alertmanager")
                && !Http.json(URI.create("http://127.0.0.1:" + port + "/api/v2/status")).isMissingNode());
    }

    /** The notifications about {@code alertname} on {@code instance}, in arrival order. */
    List<Notification> about(String alertname, String instance) {
        return notifications.stream().filter(n -> n.about(alertname, instance)).toList();
    }

    /** The end Alertmanager holds for the active {@code alertname} alert, if one is active. */
    Optional<Instant> activeAlertEndsAt(String alertname) {
        for (JsonNode alert : Http.json(URI.create("http://127.0.0.1:" + port + "/api/v2/alerts"))) {
            if (alert.path("labels").path("alertname").asText().equals(alertname)
                    && alert.path("status").path("state").asText().equals("active")) {
                return Optional.of(Instant.parse(alert.path("endsAt").asText()));
            }
        }
        return Optional.empty();
    }

    /** Whether Alertmanager holds {@code alertname} on {@code instance} as active (firing) now. */
    boolean active(String alertname, String instance) {
        for (JsonNode alert : Http.json(URI.create("http://127.0.0.1:" + port + "/api/v2/alerts"))) {
            if (alert.path("labels").path("alertname").asText().equals(alertname)
                    && alert.path("labels").path("instance").asText().equals(instance)
                    && alert.path("status").path("state").asText().equals("active")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        receiver.stop(0);
    }
}
