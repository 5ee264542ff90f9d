package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.promshard.client.Json;
import io.promshard.client.testing.ChildProcess;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
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
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alert rules on the workers, deduplicated by Alertmanager, with the example files as they are:
 * two worker Prometheus servers on ops/prometheus/worker-ha.yml and worker-rules.yml scrape the same
 * targets (the two owners of a job at replication 2) and alert a real Alertmanager on
 * ops/alertmanager/alertmanager.yml, whose webhook is this test. A target going down gives one
 * notification carrying one alert (the replicas' alerts are one once their replica labels are
 * dropped), its return one resolved notification, and killing one replica's Prometheus while the
 * alert fires gives no notification at all. Intervals are shortened; the files are otherwise used
 * as written.
 */
class AlertDedupIT {

    static final int SCRAPE_SECONDS = 1;
    static final Duration WAIT = Duration.ofSeconds(90);
    /** Alertmanager's group interval here (ops/alertmanager/alertmanager.yml's, shortened). */
    static final Duration GROUP_INTERVAL = Duration.ofSeconds(2);

    @RegisterExtension
    final E2eRun run = new E2eRun("alerts");
    private Path root;
    private Path dir;
    private Processes processes;
    private Exporters exporters;
    private HttpServer receiver;
    private final List<JsonNode> notifications = new CopyOnWriteArrayList<>();
    private int alertmanagerPort;

    @BeforeEach
    void start() throws Exception {
        root = run.root();
        dir = run.dir();
        processes = run.processes();
        exporters = run.exporters(List.of(3, 3));
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/alerts", exchange -> {
            notifications.add(Json.mapper().readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopTheReceiver() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aDownTargetIsOneNotificationFromTwoReplicasAndAReplicasDeathIsNone() throws Exception {
        startAlertmanager();
        Path sd = Files.createDirectories(dir.resolve("sd"));
        Files.writeString(sd.resolve("node.json"), "[{\"targets\": [\"" + exporters.all.get(0).address + "\", \""
                + exporters.all.get(1).address + "\"]}]\n");
        ChildProcess first = startWorker("prom-1", sd);
        startWorker("prom-2", sd);
        Exporters.Exporter target = exporters.all.get(0);
        await("both replicas to scrape the targets", () -> target.scrapes.size() >= 4);

        target.down = true;
        await("a firing notification", () -> notifications.stream().anyMatch(n -> status(n).equals("firing")));
        JsonNode firing = notifications.get(0);
        assertEquals(1, firing.path("alerts").size(), "the replicas' two alerts are one: " + firing);
        assertEquals(target.address, firing.path("alerts").get(0).path("labels").path("instance").asText());
        assertTrue(firing.path("alerts").get(0).path("labels").path("promshard_worker").isMissingNode(), firing.toString());

        // one replica dies while the alert fires: the other keeps it firing, nothing is notified
        // Alertmanager resolves an alert nobody refreshes at its endsAt; the one it holds now is no earlier
        // than the dying replica's last: past that and a group interval, a lone replica's alert would have
        // been notified resolved
        int before = notifications.size();
        Instant deadReplicasEnd = activeAlertEndsAt().orElseThrow();
        first.kill9();
        await("Alertmanager past the dead replica's end of the alert, the alert still active",
                () -> activeAlertEndsAt().isPresent()
                        && Instant.now().isAfter(deadReplicasEnd.plus(GROUP_INTERVAL).plusSeconds(SCRAPE_SECONDS)));
        assertEquals(before, notifications.size(), "notifications after a replica died: " + notifications);

        target.down = false;
        await("a resolved notification", () -> notifications.stream().anyMatch(n -> status(n).equals("resolved")));
        List<JsonNode> resolved = notifications.stream().filter(n -> status(n).equals("resolved")).toList();
        assertEquals(1, resolved.size(), "one resolved: " + notifications);
        assertEquals(1, resolved.get(0).path("alerts").size(), resolved.toString());
        assertEquals(1, notifications.stream().filter(n -> status(n).equals("firing")).count(),
                "one firing: " + notifications);
    }

    /** The end Alertmanager holds for the active TargetDown alert, if one is active. */
    private Optional<Instant> activeAlertEndsAt() {
        for (JsonNode alert : Http.json(URI.create("http://127.0.0.1:" + alertmanagerPort + "/api/v2/alerts"))) {
            if (alert.path("labels").path("alertname").asText().equals("TargetDown")
                    && alert.path("status").path("state").asText().equals("active")) {
                return Optional.of(Instant.parse(alert.path("endsAt").asText()));
            }
        }
        return Optional.empty();
    }

    private static String status(JsonNode notification) {
        return notification.path("status").asText();
    }

    /** Alertmanager on ops/alertmanager/alertmanager.yml: the webhook here, the grouping delays short. */
    private void startAlertmanager() throws Exception {
        alertmanagerPort = Processes.freePort();
        Path d = Files.createDirectories(dir.resolve("alertmanager"));
        String config = Files.readString(root.resolve("ops/alertmanager/alertmanager.yml"))
                .replace("http://127.0.0.1:5001/alerts",
                        "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts")
                .replace("group_wait: 10s", "group_wait: 1s")
                .replace("group_interval: 1m", "group_interval: " + GROUP_INTERVAL.toSeconds() + "s");
        Files.writeString(d.resolve("alertmanager.yml"), config);
        Path binary = Path.of("/usr/bin/prometheus-alertmanager");
        assertTrue(Files.isExecutable(binary),
                binary + " is missing: install Debian's prometheus-alertmanager package (ops/test.sh does)");
        processes.start("alertmanager", List.of(binary.toString(), "--config.file=" + d.resolve("alertmanager.yml"),
                "--storage.path=" + d.resolve("data"), "--web.listen-address=127.0.0.1:" + alertmanagerPort,
                "--cluster.listen-address=", "--log.level=warn"));
        await("Alertmanager to be ready", () -> processes.alive("alertmanager")
                && !Http.json(URI.create("http://127.0.0.1:" + alertmanagerPort + "/api/v2/status")).isMissingNode());
    }

    /** A worker on ops/prometheus/worker-ha.yml alerting this test's Alertmanager, intervals short. */
    private ChildProcess startWorker(String worker, Path sd) throws Exception {
        return run.haWorker(worker, SCRAPE_SECONDS, sd, new E2eRun.HaTargets(0, alertmanagerPort),
                "--rules.alert.resend-delay=1s");
    }

    private static void await(String what, Supplier<Boolean> condition) {
        Poll.until(what, WAIT, Duration.ofMillis(250), condition);
    }
}
