package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.api.Target;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import io.promshard.client.testing.PrometheusServer;
import io.promshard.client.testing.Seeds;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Member;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged coordinator and sidecar jars, ZooKeeper as its own process (from the coordinator jar,
 * which carries the project's ZooKeeper dependency), one real Prometheus per worker reading its
 * sidecar's file_sd output, and a master Prometheus federating from the workers listed in the
 * coordinator's federation.json; 240 exporters served by this test record every scrape. A second
 * job's targets come from DNS: Debian's dnsmasq serves SRV records, a "discovery" Prometheus finds
 * them with dns_sd_configs and drops them, and the coordinator reads what it discovered. All on
 * loopback. The phases run in order on one cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HandoffE2EIT {

    static final int SCRAPE_SECONDS = 8;
    static final int SESSION_SECONDS = 6;
    static final int DELAY_SECONDS = 5;
    static final int TARGETS = 240;
    static final String TOKEN = "e2e-token";
    static final Duration WAIT = Duration.ofSeconds(180);
    /**
     * The discovery Prometheus's DNS refresh interval: above the scrape interval, so that "within two
     * refresh intervals" covers what follows a DNS change (Prometheus's 5 s discovery update throttle,
     * twice, the coordinator's poll and settle time, a worker's first scrape of a new target).
     */
    static final int DNS_REFRESH_SECONDS = 15;
    /** Prometheus's discovery manager sends target updates to its scrape pools at most once per 5 s. */
    static final int PROMETHEUS_SD_THROTTLE_SECONDS = 5;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Processes processes;
    private final Map<String, Integer> sidecarPort = new TreeMap<>();
    private final Map<String, Integer> prometheusPort = new TreeMap<>();
    private Path dir;
    private Path root;
    private String prometheus;
    private Exporters exporters;
    private int zkPort;
    private int apiPort;
    private int masterPort;
    private long seed;
    private long movesStarted;
    private DnsServer dns;
    private Exporters dnsExporters;
    private int discoveryPort;

    @BeforeAll
    void startCluster() throws Exception {
        prometheus = PrometheusServer.binary();
        root = Path.of(System.getProperty("promshard.root", "..")).toAbsolutePath().normalize();
        for (String jar : List.of("coordinator/target/promshard-coordinator.jar",
                "worker-sidecar/target/promshard-worker-sidecar.jar")) {
            if (!Files.isRegularFile(root.resolve(jar))) {
                fail(jar + " is missing: the end-to-end tests start the packaged jars; run mvn verify from the root");
            }
        }
        dir = Path.of(System.getProperty("promshard.e2e.dir", "target/e2e")).toAbsolutePath()
                .resolve("handoff-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        processes = new Processes(dir, Duration.ofSeconds(20));
        seed = Seeds.seed("HandoffE2EIT");
        Random random = new Random(seed);
        List<Integer> series = new ArrayList<>();
        for (int i = 0; i < TARGETS; i++) {
            // heavy-tailed: one target in twenty exposes hundreds of series, the rest a few to a few dozen
            series.add(i % 20 == 0 ? 300 + random.nextInt(300) : 5 + random.nextInt(36));
        }
        Collections.shuffle(series, random);
        exporters = new Exporters(series);
        writeInventory();

        zkPort = Processes.freePort();
        startZooKeeper();
        dnsExporters = new Exporters(List.of(7, 7, 7, 7));
        dns = DnsServer.start(dir.resolve("dns"), List.of()); // no records yet: the DNS phase adds them
        discoveryPort = Processes.freePort();
        startDiscoveryPrometheus();
        apiPort = Processes.freePort();
        startCoordinator();
        masterPort = Processes.freePort();
        startMaster();
        for (String w : List.of("w1", "w2", "w3")) {
            startWorker(w);
        }
        awaitSettled(3);
        poll("every target scraped", WAIT, () -> exporters.all.stream().allMatch(e -> !e.scrapes.isEmpty()));
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (processes != null) {
            processes.close();
        }
        if (exporters != null) {
            exporters.close();
        }
        if (dnsExporters != null) {
            dnsExporters.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    @Order(1)
    void scaleOutAndDrainLeaveNoTargetUnscraped() throws Exception {
        long t0 = System.currentTimeMillis();
        movesStarted = t0;
        startWorker("w4");
        awaitSettled(4);
        poll("w4 to own targets", WAIT, () -> sidecarStatus("w4").path("applied").path("targets").asInt() > 0);

        HttpResponse<String> drain = http.send(HttpRequest.newBuilder(api("/workers/w1/drain"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"e2e\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, drain.statusCode(), drain.body());
        poll("w1 to be drained and empty", WAIT, () -> Http.json(api("/workers/w1/drain")).path("empty").asBoolean());
        assertEquals(0, sidecarStatus("w1").path("applied").path("handoff").asInt());
        Thread.sleep(2_000L * SCRAPE_SECONDS); // let the last owners scrape twice more, so the window ends in steady state
        long t1 = System.currentTimeMillis();

        List<Double> maxGaps = new ArrayList<>();
        List<Double> allGaps = new ArrayList<>();
        List<String> offenders = new ArrayList<>();
        for (Exporters.Exporter e : exporters.all) {
            List<Long> s = exporters.all.isEmpty() ? List.of() : e.scrapesBetween(t0, t1);
            List<Long> points = new ArrayList<>();
            points.add(t0);
            points.addAll(s);
            points.add(t1);
            double max = 0;
            for (int i = 1; i < points.size(); i++) {
                double gap = (points.get(i) - points.get(i - 1)) / 1000.0;
                if (i > 1 && i < points.size() - 1) {
                    allGaps.add(gap);
                }
                max = Math.max(max, gap);
            }
            maxGaps.add(max);
            if (s.isEmpty() || max > 1.5 * SCRAPE_SECONDS) {
                offenders.add(e.address + " max gap " + max + " s, " + s.size() + " scrapes");
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("phase", "scale-out 3->4, then drain w1");
        report.put("seed", seed);
        report.put("scrape_interval_s", SCRAPE_SECONDS);
        report.put("window_s", (t1 - t0) / 1000.0);
        report.put("targets", exporters.all.size());
        report.put("max_gap_per_target_s", Figures.percentiles(maxGaps));
        report.put("gap_between_scrapes_s", Figures.percentiles(allGaps));
        System.out.println("E2E " + Json.mapper().writeValueAsString(report));
        assertEquals(List.of(), offenders, "targets with a gap above 1.5 scrape intervals or never scraped");
    }

    @Test
    @Order(2)
    void learnedSeriesBalanceThePrometheusServers() throws Exception {
        List<String> active = List.of("w2", "w3", "w4");
        double[] imbalance = {Double.NaN};
        long total = exporters.all.stream().mapToLong(e -> e.series).sum();
        Map<String, Long> perWorker = new TreeMap<>();
        poll("series per Prometheus within 1.15 of the mean", WAIT, () -> {
            perWorker.clear();
            for (String w : active) {
                perWorker.put(w, (long) scalar(prometheusPort.get(w),
                        "sum(scrape_samples_post_metric_relabeling{job=\"e2e\"})"));
            }
            long sum = perWorker.values().stream().mapToLong(Long::longValue).sum();
            imbalance[0] = maxOverMean(perWorker.values());
            return sum == total && coordinatorStatus().path("handoffs").asInt() == 0 && imbalance[0] <= 1.15;
        });
        // the same targets split by count alone, as the engine does before any series count is known
        List<String> keys = new ArrayList<>();
        Map<String, Integer> seriesByKey = new HashMap<>();
        for (Exporters.Exporter e : exporters.all) {
            String key = Target.key("e2e", e.address, null);
            keys.add(key);
            seriesByKey.put(key, e.series);
        }
        Assignment byCount = new AssignmentEngine().assign(keys, active.stream().map(w -> new Member(w, 1)).toList());
        Map<String, Long> countSplit = new TreeMap<>();
        byCount.ownersByKey().forEach((k, owners) -> countSplit.merge(owners.get(0), (long) seriesByKey.get(k), Long::sum));
        double countImbalance = maxOverMean(countSplit.values());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("phase", "series balance");
        report.put("seed", seed);
        report.put("series_total", total);
        report.put("series_per_prometheus", perWorker);
        report.put("max_over_mean_by_learned_series", imbalance[0]);
        report.put("series_per_worker_split_by_count", countSplit);
        report.put("max_over_mean_split_by_count", countImbalance);
        System.out.println("E2E " + Json.mapper().writeValueAsString(report));
        assertTrue(imbalance[0] <= 1.15, "max/mean series " + imbalance[0]);
    }

    @Test
    @Order(3)
    void theMasterSeesEveryTargetOnceAndNoMoveShowsAGapOrADouble() {
        Set<String> addresses = new TreeSet<>();
        exporters.all.forEach(e -> addresses.add(e.address));
        Map<String, Integer> seen = new TreeMap<>();
        Set<String> unlabelled = new TreeSet<>();
        poll("the master to see each target's up once", WAIT, () -> {
            seen.clear();
            unlabelled.clear();
            for (JsonNode r : Http.query(masterPort, "up{job=\"e2e\"}")) {
                String instance = r.path("metric").path("instance").asText();
                seen.merge(instance, 1, Integer::sum);
                if (r.path("metric").path("promshard_worker").asText().isEmpty()) {
                    unlabelled.add(instance);
                }
            }
            return seen.keySet().equals(addresses) && seen.values().stream().allMatch(n -> n == 1);
        });
        assertEquals(Set.of(), unlabelled, "federated series without the worker label");

        // over the whole scale-out, drain and series rebalance: deduplicated by worker, every target counted
        // exactly once at every step (no gap, no double); undeduplicated, the overlap shows
        long end = System.currentTimeMillis() / 1000;
        long start = movesStarted / 1000 + 2L * SCRAPE_SECONDS;
        JsonNode dedup = queryRange(masterPort, "count(max without (promshard_worker) (up{job=\"e2e\"}))", start, end);
        JsonNode raw = queryRange(masterPort, "count(up{job=\"e2e\"})", start, end);
        List<String> wrong = new ArrayList<>();
        int steps = 0;
        for (JsonNode v : dedup.path(0).path("values")) {
            steps++;
            if (Double.parseDouble(v.path(1).asText()) != addresses.size()) {
                wrong.add(v.path(0).asText() + "=" + v.path(1).asText());
            }
        }
        double rawMax = 0;
        for (JsonNode v : raw.path(0).path("values")) {
            rawMax = Math.max(rawMax, Double.parseDouble(v.path(1).asText()));
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("phase", "federation");
        report.put("targets_seen_once_at_master", seen.size());
        report.put("steps_checked", steps);
        report.put("max_undeduplicated_up_series", rawMax);
        System.out.println("E2E " + report);
        assertTrue(steps >= 5, "too few steps: " + steps);
        assertEquals(List.of(), wrong, "steps where the deduplicated count of targets was not " + addresses.size());
    }

    @Test
    @Order(4)
    void aPrometheusUsingHttpSdDiscoversExactlyTheWorkersFiles() throws Exception {
        // one Prometheus, two jobs: one asks w3's sidecar, the other the coordinator, both for w3's share
        Path h = Files.createDirectories(dir.resolve("http-sd"));
        Files.writeString(h.resolve("prometheus.yml"), """
                global: {scrape_interval: 30s, scrape_timeout: 4s}
                scrape_configs:
                  - job_name: via-sidecar
                    http_sd_configs: [{url: "http://127.0.0.1:%d/sd?job=e2e", refresh_interval: 2s}]
                  - job_name: via-coordinator
                    http_sd_configs: [{url: "http://127.0.0.1:%d/api/v1/sd/w3?job=e2e", refresh_interval: 2s}]
                """.formatted(sidecarPort.get("w3"), apiPort));
        int port = Processes.freePort();
        startPrometheus("http-sd", h, port);
        try {
            poll("Prometheus' http_sd targets equal to w3's file", WAIT, () -> {
                Set<String> file = new TreeSet<>();
                try {
                    for (JsonNode g : Json.mapper().readTree(dir.resolve("w3/sd/e2e.json").toFile())) {
                        g.get("targets").forEach(t -> file.add(t.asText()));
                    }
                } catch (IOException e) {
                    return false;
                }
                Map<String, Set<String>> discovered = new TreeMap<>();
                JsonNode active = Http.json(URI.create("http://127.0.0.1:" + port + "/api/v1/targets?state=active"))
                        .path("data").path("activeTargets");
                active.forEach(t -> discovered.computeIfAbsent(t.path("scrapePool").asText(), k -> new TreeSet<>())
                        .add(t.path("discoveredLabels").path("__address__").asText()));
                return !file.isEmpty() && file.equals(discovered.get("via-sidecar"))
                        && file.equals(discovered.get("via-coordinator"));
            });
            // labels travel too: every target carries the inventory's env label
            JsonNode active = Http.json(URI.create("http://127.0.0.1:" + port + "/api/v1/targets?state=active"))
                    .path("data").path("activeTargets");
            active.forEach(t -> assertEquals("e2e", t.path("labels").path("env").asText(), t.toString()));
        } finally {
            processes.get("prometheus-http-sd").close();
        }
    }

    @Test
    @Order(5)
    void aKilledWorkersTargetsAreScrapedAgainInTime() throws Exception {
        JsonNode files = Json.mapper().readTree(dir.resolve("w2/sd/e2e.json").toFile());
        Set<String> w2Targets = new TreeSet<>();
        for (JsonNode g : files) {
            g.path("targets").forEach(t -> w2Targets.add(t.asText()));
        }
        assertTrue(w2Targets.size() > 10, "w2 holds " + w2Targets.size() + " targets");
        long killed = System.currentTimeMillis();
        processes.get("sidecar-w2").kill9();
        processes.get("prometheus-w2").kill9();
        long after = System.currentTimeMillis() + 500; // nothing of w2 scrapes after this
        long bound = 1000L * (SESSION_SECONDS + DELAY_SECONDS + 2 * SCRAPE_SECONDS);
        Map<String, Double> recovery = new TreeMap<>();
        poll("w2's targets to be scraped by others", Duration.ofMillis(bound + 60_000), () -> {
            for (Exporters.Exporter e : exporters.all) {
                if (w2Targets.contains(e.address) && !recovery.containsKey(e.address)) {
                    List<Long> s = e.scrapesBetween(after, Long.MAX_VALUE);
                    if (!s.isEmpty()) {
                        recovery.put(e.address, (s.get(0) - killed) / 1000.0);
                    }
                }
            }
            return recovery.size() == w2Targets.size();
        });
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("phase", "kill -9 of w2's sidecar and Prometheus");
        report.put("targets", w2Targets.size());
        report.put("bound_s", bound / 1000.0);
        report.put("scraped_again_after_s", Figures.percentiles(new ArrayList<>(recovery.values())));
        System.out.println("E2E " + Json.mapper().writeValueAsString(report));
        List<String> late = recovery.entrySet().stream().filter(e -> e.getValue() * 1000 > bound)
                .map(e -> e.getKey() + " after " + e.getValue() + " s").toList();
        assertEquals(List.of(), late, "targets scraped again later than " + bound + " ms");
    }

    /**
     * SRV records added at the DNS server appear in the workers' files within two DNS refresh
     * intervals, and are scraped by exactly one worker each within the worker Prometheus's discovery
     * update and two scrape intervals after; removed ones disappear from the files within two refresh
     * intervals and are scraped no more.
     */
    @Test
    @Order(6)
    void dnsRecordsAddedAndRemovedAreScrapedExactlyOnce() throws Exception {
        List<Integer> ports = dnsExporters.all.stream().map(e -> Integer.parseInt(e.address.split(":")[1])).toList();
        Set<String> all = new TreeSet<>();
        dnsExporters.all.forEach(e -> all.add(e.address));
        dns.serve(ports);
        long added = System.currentTimeMillis();
        Duration twoRefreshes = Duration.ofSeconds(2L * DNS_REFRESH_SECONDS);
        poll("the four SRV targets in the workers' files, each in one", twoRefreshes,
                () -> dnsTargetsInFiles().equals(countOnce(all)));
        double inFiles = (System.currentTimeMillis() - added) / 1000.0;
        // from the files on, the worker's Prometheus takes its own discovery update (throttled to one
        // per 5 s) and a first scrape at its offset within the interval: the two refresh intervals above
        // bound the files, not this too (a record served just after a refresh reached the files at 18.8 s
        // once, and left 11.2 s for up to 13)
        poll("each scraped", Duration.ofSeconds(PROMETHEUS_SD_THROTTLE_SECONDS + 2L * SCRAPE_SECONDS),
                () -> dnsExporters.all.stream().allMatch(e -> !e.scrapesBetween(added, Long.MAX_VALUE).isEmpty()));
        double scraped = (System.currentTimeMillis() - added) / 1000.0;
        Thread.sleep(2_000L * SCRAPE_SECONDS); // two intervals of steady state, to count scrapes per interval
        long from = System.currentTimeMillis() - 2_000L * SCRAPE_SECONDS;
        for (Exporters.Exporter e : dnsExporters.all) {
            int n = e.scrapesBetween(from, from + 2_000L * SCRAPE_SECONDS).size();
            assertTrue(n >= 1 && n <= 3, e.address + " scraped " + n + " times in two intervals: by one worker only");
        }

        dns.serve(ports.subList(0, 2));
        long cut = System.currentTimeMillis();
        Set<String> kept = new TreeSet<>();
        dnsExporters.all.subList(0, 2).forEach(e -> kept.add(e.address));
        poll("the two removed SRV targets gone from the files", twoRefreshes,
                () -> dnsTargetsInFiles().equals(countOnce(kept)));
        double goneFromFiles = (System.currentTimeMillis() - cut) / 1000.0;
        long removed = System.currentTimeMillis() + 1_000L * SCRAPE_SECONDS; // a scrape in flight may still land
        // the absence of scrapes is a property of a window, not a condition to poll for: watch two intervals
        Thread.sleep(2_000L * SCRAPE_SECONDS);
        for (Exporters.Exporter e : dnsExporters.all.subList(2, 4)) {
            assertEquals(List.of(), e.scrapesBetween(removed, Long.MAX_VALUE), e.address + " scraped after its record went");
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("phase", "DNS SRV records through a discovery Prometheus");
        report.put("dns_refresh_s", DNS_REFRESH_SECONDS);
        report.put("targets_added", all.size());
        report.put("targets_removed", all.size() - kept.size());
        report.put("added_to_files_s", inFiles);
        report.put("added_to_first_scrape_s", scraped);
        report.put("removed_from_files_s", goneFromFiles);
        System.out.println("E2E " + Json.mapper().writeValueAsString(report));
    }

    /** How many live workers' {@code dns.json} files hold each target. */
    private Map<String, Integer> dnsTargetsInFiles() {
        Map<String, Integer> seen = new TreeMap<>();
        for (String w : sidecarPort.keySet()) {
            if (!processes.get("sidecar-" + w).alive()) {
                continue;
            }
            Path file = dir.resolve(w + "/sd/dns.json");
            if (!Files.exists(file)) {
                continue;
            }
            try {
                for (JsonNode g : Json.mapper().readTree(file.toFile())) {
                    g.path("targets").forEach(t -> seen.merge(t.asText(), 1, Integer::sum));
                }
            } catch (IOException e) {
                return Map.of(); // being replaced: look again
            }
        }
        return seen;
    }

    private static Map<String, Integer> countOnce(Set<String> targets) {
        Map<String, Integer> out = new TreeMap<>();
        targets.forEach(t -> out.put(t, 1));
        return out;
    }

    // ---- cluster

    private void writeInventory() throws IOException {
        Files.createDirectories(dir.resolve("inventory"));
        Files.writeString(dir.resolve("inventory/e2e.json"), exporters.fileSd(Map.of("env", "e2e")));
    }

    private void startZooKeeper() throws Exception {
        Path logback = writeLogback();
        processes.zooKeeper(root.resolve("coordinator/target/promshard-coordinator.jar"), zkPort,
                Stream.concat(Processes.SMALL_JVM.stream(), Stream.of("-Dlogback.configurationFile=" + logback))
                        .toList(),
                List.of("tickTime=500", "initLimit=10", "syncLimit=5", "maxSessionTimeout=60000"), WAIT);
    }

    private Path writeLogback() throws IOException {
        Path f = dir.resolve("logback.xml");
        Files.writeString(f, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        return f;
    }

    private void startCoordinator() throws Exception {
        Path yml = dir.resolve("coordinator.yml");
        Files.writeString(yml, """
                coordinatorId: c1
                zookeeper: {connectString: "127.0.0.1:%d", cluster: e2e, sessionTimeout: %ds}
                inventory:
                  refreshInterval: 1s
                  jobs:
                    - {name: e2e, files: ["%s/*.json"]}
                    - name: dns
                      discovery: {urls: ["http://127.0.0.1:%d"], job: dns-nodes, refreshInterval: 1s}
                      relabelConfigs:   # SRV targets name localhost; the exporters listen on 127.0.0.1
                        - {source_labels: [__address__], regex: 'localhost:(\\d+)', target_label: __address__, replacement: '127.0.0.1:$1'}
                assignment: {settleTime: 500ms, reassignmentDelay: %ds, handoffTimeout: 90s}
                api: {token: %s}
                outputDirectory: %s
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                logging:
                  level: INFO
                  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
                """.formatted(zkPort, SESSION_SECONDS, dir.resolve("inventory"), discoveryPort, DELAY_SECONDS, TOKEN,
                dir.resolve("coordinator-out"), apiPort, Processes.freePort()));
        start("coordinator", Processes.smallJvm("-jar", root.resolve("coordinator/target/promshard-coordinator.jar").toString(),
                "server", yml.toString()));
        poll("the coordinator's API", WAIT, () -> alive("coordinator") && coordinatorStatus().has("epoch"));
    }

    private void startMaster() throws Exception {
        Path m = Files.createDirectories(dir.resolve("master"));
        Files.writeString(m.resolve("prometheus.yml"), """
                global: {scrape_interval: %ds, scrape_timeout: 4s}
                scrape_configs:
                  - job_name: federate
                    honor_labels: true
                    metrics_path: /federate
                    params: {"match[]": ['{job="e2e"}']}
                    file_sd_configs: [{files: ["%s"]}]
                """.formatted(SCRAPE_SECONDS, dir.resolve("coordinator-out/federation.json")));
        // federated samples carry timestamps, which Prometheus before 2.48 never marks stale: a moved target's
        // old copy would linger at the master for the default 5 min lookback; this bounds it to 2.5 intervals
        startPrometheus("master", m, masterPort, "--query.lookback-delta=" + (SCRAPE_SECONDS * 5 / 2) + "s");
    }

    private void startWorker(String w) throws Exception {
        Path wd = Files.createDirectories(dir.resolve(w));
        Files.createDirectories(wd.resolve("sd"));
        int pp = Processes.freePort();
        prometheusPort.put(w, pp);
        Files.writeString(wd.resolve("prometheus.yml"), """
                global:
                  scrape_interval: %ds
                  scrape_timeout: 4s
                  external_labels: {promshard_worker: %s}
                scrape_configs:
                  - job_name: e2e
                    file_sd_configs: [{files: ["%s/e2e.json"]}]
                  - job_name: dns
                    file_sd_configs: [{files: ["%s/dns.json"]}]
                """.formatted(SCRAPE_SECONDS, w, wd.resolve("sd"), wd.resolve("sd")));
        startPrometheus(w, wd, pp);
        int sp = Processes.freePort();
        sidecarPort.put(w, sp);
        Path yml = wd.resolve("sidecar.yml");
        Files.writeString(yml, """
                zookeeper: {connectString: "127.0.0.1:%d", cluster: e2e, sessionTimeout: %ds}
                worker: {id: %s, prometheusUrl: "http://127.0.0.1:%d", sidecarUrl: "http://127.0.0.1:%d"}
                prometheus: {readinessInterval: 500ms, confirmInterval: 500ms, seriesReportInterval: 5s, withdrawAfter: 10s}
                outputDirectory: %s
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                logging:
                  level: INFO
                  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
                """.formatted(zkPort, SESSION_SECONDS, w, pp, sp, wd.resolve("sd"), sp, Processes.freePort()));
        start("sidecar-" + w, Processes.smallJvm("-jar", root.resolve("worker-sidecar/target/promshard-worker-sidecar.jar")
                .toString(), "server", yml.toString()));
        poll(w + "'s sidecar to be ACTIVE", WAIT,
                () -> alive("sidecar-" + w) && "ACTIVE".equals(sidecarStatus(w).path("state").asText()));
    }

    /** A Prometheus that discovers the DNS job's targets through dnsmasq and drops every one of them. */
    private void startDiscoveryPrometheus() throws Exception {
        Path d = Files.createDirectories(dir.resolve("discovery"));
        Files.writeString(d.resolve("prometheus.yml"), """
                scrape_configs:
                  - job_name: dns-nodes
                    dns_sd_configs: [{names: [%s], type: SRV, refresh_interval: %ds}]
                    relabel_configs: [{action: drop}]   # discover, never scrape
                """.formatted(DnsServer.SRV_NAME, DNS_REFRESH_SECONDS));
        start("prometheus-discovery", dns.resolvingThroughIt(List.of(prometheus, "--config.file=" + d.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + d.resolve("data"), "--web.listen-address=127.0.0.1:" + discoveryPort,
                "--log.level=warn")));
        poll("the discovery Prometheus to be ready", WAIT, () -> alive("prometheus-discovery")
                && Http.status(URI.create("http://127.0.0.1:" + discoveryPort + "/-/ready")) == 200);
    }

    private void startPrometheus(String name, Path wd, int port, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(prometheus, "--config.file=" + wd.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + wd.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"));
        cmd.addAll(List.of(flags));
        start("prometheus-" + name, cmd);
        poll("Prometheus " + name + " to be ready", WAIT, () -> alive("prometheus-" + name)
                && Http.status(URI.create("http://127.0.0.1:" + port + "/-/ready")) == 200);
    }

    /** Every worker has acknowledged what it applied and no hand-off is pending. */
    private void awaitSettled(int workers) {
        poll(workers + " workers to settle", WAIT, () -> PromshardCluster.settled(coordinatorStatus(), workers,
                sidecarPort.keySet().stream().filter(w -> alive("sidecar-" + w)).map(this::sidecarStatus).toList()));
    }

    private void start(String name, List<String> command) throws IOException {
        processes.start(name, command);
    }

    private boolean alive(String name) {
        return processes.alive(name);
    }

    /** Polls every 250 ms: most conditions here cost requests to other processes. */
    private static void poll(String what, Duration timeout, java.util.function.Supplier<Boolean> condition) {
        Poll.until(what, timeout, Duration.ofMillis(250), condition);
    }

    // ---- HTTP

    private URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort + "/api/v1" + path);
    }

    private JsonNode coordinatorStatus() {
        return Http.json(api("/status"));
    }

    private JsonNode sidecarStatus(String w) {
        return Http.json(URI.create("http://127.0.0.1:" + sidecarPort.get(w) + "/api/v1/status"));
    }

    private JsonNode queryRange(int port, String promql, long start, long end) {
        JsonNode r = Http.json(URI.create("http://127.0.0.1:" + port + "/api/v1/query_range?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&start=" + start + "&end=" + end
                + "&step=" + SCRAPE_SECONDS / 2));
        return r.path("data").path("result");
    }

    private double scalar(int port, String promql) {
        JsonNode result = Http.query(port, promql);
        return result.size() == 0 ? 0 : Double.parseDouble(result.get(0).path("value").path(1).asText("0"));
    }

    // ---- figures

    private static double maxOverMean(java.util.Collection<Long> values) {
        double mean = values.stream().mapToLong(Long::longValue).average().orElse(0);
        return mean == 0 ? Double.NaN : values.stream().mapToLong(Long::longValue).max().orElse(0) / mean;
    }
}
