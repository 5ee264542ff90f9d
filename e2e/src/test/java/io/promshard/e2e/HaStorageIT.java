package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Processes;
import io.promshard.client.testing.VictoriaMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * High availability with remote storage, with the packaged jars and the real components: ZooKeeper,
 * the coordinator, and four workers in two zones, each a Prometheus on ops/prometheus/worker-ha.yml
 * (intervals shortened) with its sidecar, writing to a VictoriaMetrics single node started with
 * ops/victoria-metrics' arguments. Job {@code node} runs at replication 2, job {@code single} at
 * replication 1, over loopback exporters that record every scrape, and alert through a real
 * Alertmanager whose webhook is this test. One run: a kill -9 of a worker's Prometheus and sidecar,
 * a new worker joining, and the drain of a worker that scrapes a firing target of each job.
 *
 * <p>Throughout, every epoch the coordinator publishes (as its API shows it) moves one replica of a
 * node target at a time ({@link ReplicaHandOffWatch}).
 *
 * <p>At replication 2 nothing of it may show: every node target is scraped at least every 1.5
 * intervals throughout, and the storage holds each as one series (the replica labels removed, the
 * two replicas' samples deduplicated) with {@code count(up)} equal to the number of targets at every
 * step, so that neither a double nor a previous owner's staleness marker shows. At replication 1 the
 * planned moves (join, drain) leave no gap either, and the gap a kill -9 leaves is measured.
 *
 * <p>Alerts: a node target down on the killed worker, and a node and a single target down on the
 * drained one, each give one firing notification and, once back, one resolved, whatever moved in
 * between (the departed worker's files keep a down target until it is up: LingeringTargets).
 */
class HaStorageIT {

    static final int SCRAPE_SECONDS = 2;
    static final int SESSION_SECONDS = 6;
    static final int DELAY_SECONDS = 2;
    static final int REPLICATED = 60;
    static final int SINGLE = 30;
    /** How long Prometheus' discovery manager holds back a changed file_sd (its fixed update throttle). */
    static final double DISCOVERY_THROTTLE_SECONDS = 5;
    /** The settle time of the coordinator's configuration below. */
    static final double SETTLE_SECONDS = 0.5;
    /**
     * The longest a kill -9 may leave a target of a replication-1 job unscraped: the interval since
     * its last scrape, the session timeout, the reassignment delay, the settle time, the new owner's
     * discovery throttle, and the interval until its first scrape.
     */
    static final double KILL_GAP_BOUND_SECONDS = 2 * SCRAPE_SECONDS + SESSION_SECONDS + DELAY_SECONDS + SETTLE_SECONDS
            + DISCOVERY_THROTTLE_SECONDS;
    /** Between two events: long enough for several scrapes of the new state. */
    static final long QUIET_MILLIS = 6_000L * SCRAPE_SECONDS;

    /**
     * The alternative the example file explains and does not take, measured beside it: a second
     * queue writes job node without the replica labels (one series per target, deduplicated by the
     * storage), tagged {@code shape="dedup"} at ingestion.
     */
    static final String DEDUPLICATED_QUEUE = """
              - url: http://127.0.0.1:%d/api/v1/write?extra_label=shape=dedup
                write_relabel_configs:
                  - {source_labels: [job], regex: node, action: keep}
                  - {regex: promshard_worker|promshard_zone, action: labeldrop}
            """;

    /** Alertmanager's group interval here (ops/alertmanager/alertmanager.yml's, shortened). */
    static final Duration ALERT_GROUP_INTERVAL = Duration.ofSeconds(SCRAPE_SECONDS);
    /** worker-rules.yml's TargetDown for job single, whose alerts drop the replica labels as node's do. */
    static final String SINGLE_RULES = """
            groups:
              - name: single
                rules:
                  - alert: TargetDown
                    expr: up{job="single"} == 0
                    for: %ds
            """.formatted(3 * SCRAPE_SECONDS);

    @RegisterExtension
    final E2eRun run = new E2eRun("ha-storage");
    private PromshardCluster cluster;
    private Alerting alerting;
    private Exporters node;
    private Exporters single;
    private int storagePort;
    private VictoriaMetrics storage;
    private final Map<String, Long> events = new LinkedHashMap<>();

    @AfterEach
    void stopTheReceiver() throws Exception {
        if (alerting != null) {
            alerting.close();
        }
    }

    @Test
    void replicasKeepEveryTargetInTheStorageThroughAKillAJoinAndADrain() throws Exception {
        startCluster();
        ReplicaHandOffWatch handOffs = new ReplicaHandOffWatch(cluster, key -> key.startsWith("node/"));
        long from = System.currentTimeMillis();
        quiet();
        Set<String> killedSingles = filesOf("w1", "single");
        Exporters.Exporter killedReplica = downAndNotified(node, filesOf("w1", "node"));
        event("kill -9 w1");
        cluster.kill9("w1");
        cluster.awaitSettled(3);
        quiet();
        event("join w5");
        startWorker("w5", "a");
        cluster.awaitSettled(4);
        quiet();
        String drained = aWorkerWithBothJobs(List.of("w2", "w3", "w4"));
        AlertTargets alerted = alertOnTargetsOf(drained, killedReplica);
        long downThere = downTargetsIn(drained);
        event("drain " + drained);
        cluster.drain(drained);
        cluster.awaitSettled(4);
        double lingering = cluster.sidecarMetric(drained, "promshard_sidecar_targets{kind=\"lingering\"}");
        List<Boolean> heldActive = sampleAlert(alerted.replicated(), QUIET_MILLIS);
        long to = System.currentTimeMillis();
        handOffs.close();
        awaitStorageHas(to);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("events_ms_from_start", relative(from));
        report.put("scrape_interval_s", SCRAPE_SECONDS);
        try {
            report.put("published_epochs_checked", handOffs.check().epochsChecked());
            report.put("replication2_hand_offs_seen", handOffs.check().replicatedHandOffs());
            assertEquals(List.of(), handOffs.check().violations(),
                    "epochs that moved two replicas of a node target at a time");
            assertTrue(handOffs.check().epochsChecked() > 0, "no published epoch was read whole");
            report.put("drained_worker_lingering_targets", lingering);
            assertEquals(downThere, lingering, "the drained worker keeps its down targets until they are up");
            long inactive = heldActive.stream().filter(a -> !a).count();
            report.put("replication2_drain_alertmanager_inactive_samples", inactive);
            report.put("replication2_drain_alertmanager_samples", heldActive.size());
            assertEquals(0, inactive, "samples after the drain at which Alertmanager held the firing alert resolved");
            checkAlertsThroughTheDrain(alerted, report);
            checkReplicatedScrapes(from, to, report);
            measureDeduplicatedStorage(from, to, report);
            checkSingleScrapes(from, to, killedSingles, report);
            checkReplicatedStorage(from, to, report);
        } finally {
            System.out.println("E2E " + Json.mapper().writeValueAsString(report));
        }
    }

    // ---- the set-up

    private void startCluster() throws Exception {
        node = run.exporters(Collections.nCopies(REPLICATED, 3));
        single = run.exporters(Collections.nCopies(SINGLE, 3));
        storage = run.victoriaMetrics(SCRAPE_SECONDS);
        storagePort = storage.port();
        alerting = new Alerting(run, ALERT_GROUP_INTERVAL);
        Path inventory = Files.createDirectories(run.dir().resolve("inventory"));
        Files.writeString(inventory.resolve("node.json"), node.fileSd(Map.of("env", "ha")));
        Files.writeString(inventory.resolve("single.json"), single.fileSd(Map.of("env", "ha")));
        cluster = new PromshardCluster(run, SESSION_SECONDS);
        cluster.startZooKeeper();
        cluster.startCoordinator("""
                inventory:
                  refreshInterval: 1s
                  jobs:
                    - {name: node, files: ["%s/node.json"], replication: 2}
                    - {name: single, files: ["%s/single.json"], replication: 1}
                assignment: {settleTime: %dms, reassignmentDelay: %ds, handoffTimeout: 90s}
                """.formatted(inventory, inventory, (int) (SETTLE_SECONDS * 1000), DELAY_SECONDS));
        for (String w : List.of("w1", "w2", "w3", "w4")) {
            startWorker(w, w.equals("w1") || w.equals("w2") ? "a" : "b");
        }
        cluster.awaitSettled(4);
        PromshardCluster.poll("every target's up in the storage", () -> storage.value(
                "count(max without (promshard_worker, promshard_zone) (up{job=~\"node|single\",shape=\"\"}))")
                == REPLICATED + SINGLE * 1.0);
    }

    /** A worker: Prometheus on worker-ha.yml plus job single, and its sidecar in {@code zone}. */
    private void startWorker(String worker, String zone) throws Exception {
        Path sd = Files.createDirectories(run.dir().resolve(worker).resolve("sd"));
        int port = Processes.freePort();
        Files.writeString(run.dir().resolve(worker).resolve("single-rules.yml"), SINGLE_RULES);
        run.haWorker(worker, port, SCRAPE_SECONDS, sd, new E2eRun.HaTargets(storagePort, alerting.port), config -> config
                .replace("remote_write:\n", "remote_write:\n" + DEDUPLICATED_QUEUE.formatted(storagePort))
                .replace("  - worker-rules.yml\n", "  - worker-rules.yml\n  - single-rules.yml\n")
                .replace("regex: node|blackbox\n", "regex: node|blackbox|single\n")
                .stripTrailing() + """

                  - job_name: single
                    file_sd_configs:
                      - files: [%s/single.json]
                """.formatted(sd), "--rules.alert.resend-delay=" + SCRAPE_SECONDS + "s");
        cluster.startSidecar(worker, zone, port, sd);
    }

    /** Records event {@code name} now (unix ms). */
    private void event(String name) {
        events.put(name, System.currentTimeMillis());
    }

    private Map<String, Long> relative(long from) {
        Map<String, Long> out = new LinkedHashMap<>();
        events.forEach((k, v) -> out.put(k, v - from));
        return out;
    }

    private static void quiet() throws InterruptedException {
        Thread.sleep(QUIET_MILLIS); // scrapes of the new state accumulate: what the checks below read
    }

    /** The first of {@code workers} that scrapes targets of both jobs. */
    private String aWorkerWithBothJobs(List<String> workers) throws Exception {
        for (String w : workers) {
            if (!filesOf(w, "node").isEmpty() && !filesOf(w, "single").isEmpty()) {
                return w;
            }
        }
        throw new AssertionError("none of " + workers + " scrapes both jobs");
    }

    /** The targets of {@code job} in {@code worker}'s files (none when it has no file for the job). */
    private Set<String> filesOf(String worker, String job) throws Exception {
        Set<String> out = new TreeSet<>();
        Path file = run.dir().resolve(worker + "/sd/" + job + ".json");
        if (!Files.exists(file)) {
            return out;
        }
        for (JsonNode g : Json.mapper().readTree(file.toFile())) {
            g.path("targets").forEach(t -> out.add(t.asText()));
        }
        return out;
    }

    // ---- the checks

    /** A node target and a target of job single, both down, each alert firing, before {@code worker} drains. */
    private record AlertTargets(String drained, Exporters.Exporter replicated, Exporters.Exporter single,
                                Exporters.Exporter killedReplica) {
    }

    /** Takes down one node and one single target of {@code worker}'s and waits for both alerts to be notified. */
    private AlertTargets alertOnTargetsOf(String worker, Exporters.Exporter killedReplica) throws Exception {
        Exporters.Exporter replicated = downAndNotified(node, filesOf(worker, "node"));
        Exporters.Exporter lone = downAndNotified(single, filesOf(worker, "single"));
        return new AlertTargets(worker, replicated, lone, killedReplica);
    }

    /** Takes down the first target of {@code exporters} in {@code files} that is up, and waits for its alert. */
    private Exporters.Exporter downAndNotified(Exporters exporters, Set<String> files) {
        Exporters.Exporter target = exporters.all.stream().filter(e -> !e.down && files.contains(e.address))
                .findFirst().orElseThrow();
        target.down = true;
        PromshardCluster.poll("the TargetDown alert of " + target.address + " notified", () -> firings(target) == 1);
        return target;
    }

    /** How many of {@code worker}'s targets are down now. */
    private long downTargetsIn(String worker) throws Exception {
        Set<String> files = new TreeSet<>(filesOf(worker, "node"));
        files.addAll(filesOf(worker, "single"));
        return Stream.concat(node.all.stream(), single.all.stream())
                .filter(e -> e.down && files.contains(e.address)).count();
    }

    /** Every 100 ms for {@code millis}: whether Alertmanager holds {@code target}'s alert as active. */
    private List<Boolean> sampleAlert(Exporters.Exporter target, long millis) throws InterruptedException {
        List<Boolean> out = new ArrayList<>();
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            out.add(alerting.active("TargetDown", target.address));
            Thread.sleep(100); // the sampling interval
        }
        return out;
    }

    private long firings(Exporters.Exporter target) {
        return alerting.about("TargetDown", target.address).stream().filter(n -> n.status().equals("firing")).count();
    }

    /**
     * Through the drain of the worker that scraped both alerted targets: at replication 2 no
     * notification at all, then one resolved once the target is back; at replication 1 the flap
     * (resolved, then firing again after the new owner's {@code for:}) is measured.
     */
    private void checkAlertsThroughTheDrain(AlertTargets alerted, Map<String, Object> report) throws Exception {
        alerted.replicated().down = false;
        alerted.single().down = false;
        alerted.killedReplica().down = false;
        PromshardCluster.poll("the alerts resolved", () -> resolutions(alerted.replicated()) > 0
                && resolutions(alerted.single()) > 0 && resolutions(alerted.killedReplica()) > 0);
        PromshardCluster.poll("the lingering targets gone once up", () -> cluster.sidecarMetric(alerted.drained(),
                "promshard_sidecar_targets{kind=\"lingering\"}") == 0);
        List<Alerting.Notification> replicated = alerting.about("TargetDown", alerted.replicated().address);
        List<Alerting.Notification> lone = alerting.about("TargetDown", alerted.single().address);
        report.put("replication2_drain_notifications", replicated.stream().map(Alerting.Notification::status).toList());
        report.put("replication1_drain_notifications", lone.stream().map(Alerting.Notification::status).toList());
        report.put("replication1_drain_refiring_after_s", refiringAfter(lone));
        List<Alerting.Notification> killed = alerting.about("TargetDown", alerted.killedReplica().address);
        report.put("replication2_kill9_notifications", killed.stream().map(Alerting.Notification::status).toList());
        assertEquals(List.of("firing", "resolved"), killed.stream().map(Alerting.Notification::status).toList(),
                "a kill -9 of one replica of a firing target (and the moves after it) notifies nothing");
        report.put("replication2_drain_refiring_after_s", refiringAfter(replicated));
        assertEquals(List.of("firing", "resolved"), replicated.stream().map(Alerting.Notification::status).toList(),
                "a drain of a replica of a firing target notifies nothing; one resolved once it is back");
    }

    private long resolutions(Exporters.Exporter target) {
        return alerting.about("TargetDown", target.address).stream().filter(n -> n.status().equals("resolved")).count();
    }

    /** Seconds from each resolved notification to the next firing one: a flap. */
    private static List<Double> refiringAfter(List<Alerting.Notification> notifications) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i + 1 < notifications.size(); i++) {
            if (notifications.get(i).status().equals("resolved") && notifications.get(i + 1).status().equals("firing")) {
                out.add(Duration.between(notifications.get(i).at(), notifications.get(i + 1).at()).toMillis() / 1000.0);
            }
        }
        return out;
    }

    /** Every node target scraped by some worker at least every 1.5 intervals. */
    private void checkReplicatedScrapes(long from, long to, Map<String, Object> report) {
        List<Double> gaps = new ArrayList<>();
        List<String> late = new ArrayList<>();
        for (Exporters.Exporter e : node.all) {
            double gap = longestGap(e.scrapesBetween(from, to), from, to) / 1000.0;
            gaps.add(gap);
            if (gap > 1.5 * SCRAPE_SECONDS) {
                late.add(e.address + " " + gap + " s");
            }
        }
        report.put("replication2_longest_scrape_gap_s", Figures.percentiles(gaps));
        assertEquals(List.of(), late, "node targets (replication 2) unscraped for over 1.5 intervals");
    }

    /**
     * In the storage, as the example file writes it: every node series carries its replica's
     * {@code promshard_worker}; per target, the replicas together leave no gap over 1.5 intervals, and
     * {@code count(max without (promshard_worker, promshard_zone) (up))} equals the number of targets
     * at every step.
     */
    private void checkReplicatedStorage(long from, long to, Map<String, Object> report) {
        Map<String, List<Long>> byTarget = new TreeMap<>();
        for (JsonNode s : storage.export("up{job=\"node\",shape=\"\"}", from, to)) {
            assertTrue(!s.path("metric").path("promshard_worker").asText().isEmpty(), "no replica label: " + s.path("metric"));
            List<Long> times = byTarget.computeIfAbsent(s.path("metric").path("instance").asText(), k -> new ArrayList<>());
            s.path("timestamps").forEach(t -> times.add(t.asLong()));
        }
        assertEquals(REPLICATED, byTarget.size(), "node targets in the storage");
        List<Double> gaps = new ArrayList<>();
        byTarget.values().forEach(times -> {
            times.sort(null);
            gaps.add(longestGap(times, from, to) / 1000.0);
        });
        report.put("replication2_longest_storage_gap_s", Figures.percentiles(gaps));
        Map<Long, Double> off = stepsOff("count(max without (promshard_worker, promshard_zone) (up{job=\"node\",shape=\"\"}))",
                from, to, report, "replication2_replica_labels");
        assertEquals(Map.of(), off, "steps (unix s) where the targets counted once were not " + REPLICATED
                + "; events (unix ms) " + events);
        List<Double> late = gaps.stream().filter(g -> g > 1.5 * SCRAPE_SECONDS).toList();
        assertEquals(List.of(), late, "node targets with a gap over 1.5 intervals in the storage");
    }

    /**
     * The deduplicated alternative, measured: one series per target, and the steps at which
     * {@code count(up)} missed targets (a previous owner's staleness markers kept by deduplication).
     */
    private void measureDeduplicatedStorage(long from, long to, Map<String, Object> report) {
        List<JsonNode> series = storage.export("up{job=\"node\",shape=\"dedup\"}", from, to);
        assertEquals(REPLICATED, series.size(), "one series per node target in the deduplicated shape");
        int markers = 0;
        for (JsonNode s : series) {
            JsonNode values = s.path("values");
            for (int i = 1; i < values.size() - 1; i++) {
                markers += values.get(i).isNumber() && !Double.isNaN(values.get(i).asDouble()) ? 0 : 1;
            }
        }
        report.put("replication2_deduplicated_staleness_markers_between_samples", markers);
        Map<Long, Double> off = stepsOff("count(up{job=\"node\",shape=\"dedup\"})", from, to, report,
                "replication2_deduplicated");
        report.put("replication2_deduplicated_lowest_count", off.values().stream().mapToDouble(Double::doubleValue)
                .min().orElse(REPLICATED));
    }

    /** The 1 s steps of {@code promql} over the run (after its first samples) whose value was not the node target count. */
    private Map<Long, Double> stepsOff(String promql, long from, long to, Map<String, Object> report, String name) {
        JsonNode counts = storage.queryRange(promql, from + 2_000L * SCRAPE_SECONDS, to, 1);
        Map<Long, Double> off = new TreeMap<>();
        counts.path(0).path("values").forEach(v -> {
            if (v.path(1).asDouble() != REPLICATED) {
                off.put(v.path(0).asLong(), v.path(1).asDouble());
            }
        });
        int steps = counts.path(0).path("values").size();
        report.put(name + "_steps", steps);
        report.put(name + "_steps_off", off.size());
        assertTrue(steps > (to - from) / 1000 - 3 * SCRAPE_SECONDS, promql + " answered at " + steps + " steps");
        return off;
    }

    /**
     * At replication 1: the join and the drain leave no target unscraped over 1.5 intervals; the
     * kill -9 leaves a gap on the killed worker's targets, measured.
     */
    private void checkSingleScrapes(long from, long to, Set<String> killed, Map<String, Object> report) {
        long killedAt = events.get("kill -9 w1");
        List<Double> killGaps = new ArrayList<>();
        List<Double> plannedGaps = new ArrayList<>();
        List<String> late = new ArrayList<>();
        for (Exporters.Exporter e : single.all) {
            if (killed.contains(e.address)) {
                killGaps.add(longestGap(e.scrapesBetween(from, to), from, to) / 1000.0);
                double planned = longestGap(e.scrapesBetween(killedAt + 60_000, to), killedAt + 60_000, to) / 1000.0;
                plannedGaps.add(planned);
            } else {
                double gap = longestGap(e.scrapesBetween(from, to), from, to) / 1000.0;
                plannedGaps.add(gap);
                if (gap > 1.5 * SCRAPE_SECONDS) {
                    late.add(e.address + " " + gap + " s");
                }
            }
        }
        assertTrue(!killed.isEmpty(), "w1 held targets of job single");
        report.put("replication1_kill9_gap_s", Figures.percentiles(killGaps));
        report.put("replication1_kill9_bound_s", KILL_GAP_BOUND_SECONDS);
        report.put("replication1_planned_moves_longest_gap_s", Figures.percentiles(plannedGaps));
        assertEquals(List.of(), late, "targets of job single unscraped over 1.5 intervals, not on the killed worker");
        List<Double> overBound = killGaps.stream().filter(g -> g > KILL_GAP_BOUND_SECONDS).toList();
        assertEquals(List.of(), overBound, "the kill -9 gap over its bound " + KILL_GAP_BOUND_SECONDS + " s");
    }

    /** The longest time between consecutive {@code times} in [from, to], counting from both ends. */
    static long longestGap(List<Long> times, long from, long to) {
        long longest = 0;
        long last = from;
        for (long t : times) {
            if (t >= from && t <= to) {
                longest = Math.max(longest, t - last);
                last = t;
            }
        }
        return Math.max(longest, to - last);
    }

    // ---- the storage

    /** Waits until every node and single target has a sample at or after {@code millis} in the storage. */
    private void awaitStorageHas(long millis) {
        PromshardCluster.poll("the storage to hold the last samples", () -> storage.value(
                "count(max without (promshard_worker, promshard_zone) (timestamp(up{job=~\"node|single\",shape=\"\"})) >= "
                        + millis / 1000 + ")") >= REPLICATED + SINGLE);
    }
}
