package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.testing.ChildProcess;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
    private Exporters exporters;
    private Alerting alerting;

    @BeforeEach
    void start() throws Exception {
        exporters = run.exporters(List.of(3, 3));
        alerting = new Alerting(run, GROUP_INTERVAL);
    }

    @AfterEach
    void stopTheReceiver() throws Exception {
        if (alerting != null) {
            alerting.close();
        }
    }

    @Test
    void aDownTargetIsOneNotificationFromTwoReplicasAndAReplicasDeathIsNone() throws Exception {
        Path sd = Files.createDirectories(run.dir().resolve("sd"));
        Files.writeString(sd.resolve("node.json"), "[{\"targets\": [\"" + exporters.all.get(0).address + "\", \""
                + exporters.all.get(1).address + "\"]}]\n");
        ChildProcess first = startWorker("prom-1", sd);
        startWorker("prom-2", sd);
        Exporters.Exporter target = exporters.all.get(0);
        await("both replicas to scrape the targets", () -> target.scrapes.size() >= 4);
        List<Alerting.Notification> notifications = alerting.notifications;

        target.down = true;
        await("a firing notification", () -> notifications.stream().anyMatch(n -> n.status().equals("firing")));
        JsonNode firing = notifications.get(0).body();
        assertEquals(1, firing.path("alerts").size(), "the replicas' two alerts are one: " + firing);
        assertEquals(target.address, firing.path("alerts").get(0).path("labels").path("instance").asText());
        assertTrue(firing.path("alerts").get(0).path("labels").path("promshard_worker").isMissingNode(), firing.toString());

        // one replica dies while the alert fires: the other keeps it firing, nothing is notified
        // Alertmanager resolves an alert nobody refreshes at its endsAt; the one it holds now is no earlier
        // than the dying replica's last: past that and a group interval, a lone replica's alert would have
        // been notified resolved
        int before = notifications.size();
        Instant deadReplicasEnd = alerting.activeAlertEndsAt("TargetDown").orElseThrow();
        first.kill9();
        await("Alertmanager past the dead replica's end of the alert, the alert still active",
                () -> alerting.activeAlertEndsAt("TargetDown").isPresent()
                        && Instant.now().isAfter(deadReplicasEnd.plus(GROUP_INTERVAL).plusSeconds(SCRAPE_SECONDS)));
        assertEquals(before, notifications.size(), "notifications after a replica died: " + notifications);

        target.down = false;
        await("a resolved notification", () -> notifications.stream().anyMatch(n -> n.status().equals("resolved")));
        List<Alerting.Notification> resolved = notifications.stream().filter(n -> n.status().equals("resolved")).toList();
        assertEquals(1, resolved.size(), "one resolved: " + notifications);
        assertEquals(1, resolved.get(0).body().path("alerts").size(), resolved.toString());
        assertEquals(1, notifications.stream().filter(n -> n.status().equals("firing")).count(),
                "one firing: " + notifications);
    }

    /** A worker on ops/prometheus/worker-ha.yml alerting this test's Alertmanager, intervals short. */
    private ChildProcess startWorker(String worker, Path sd) throws Exception {
        return run.haWorker(worker, SCRAPE_SECONDS, sd, new E2eRun.HaTargets(0, alerting.port),
                "--rules.alert.resend-delay=1s");
    }

    private static void await(String what, Supplier<Boolean> condition) {
        Poll.until(what, WAIT, Duration.ofMillis(250), condition);
    }
}
