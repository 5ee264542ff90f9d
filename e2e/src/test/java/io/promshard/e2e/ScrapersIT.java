package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Processes;
import io.promshard.client.testing.VictoriaMetrics;
import io.promshard.client.testing.Seeds;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workers that are not full Prometheus servers, with the packaged jars and the real components:
 * ZooKeeper, the coordinator, and four workers in two zones, each a Prometheus agent (on
 * ops/prometheus/worker-agent.yml) or a vmagent (on ops/vmagent/) with its sidecar, all writing to a
 * VictoriaMetrics single node, over loopback exporters with seeded series counts that record every
 * scrape. One run per kind: a worker joins, another is drained, a third is killed (kill -9 of the
 * scraper and its sidecar).
 *
 * <p>Through the join and the drain every target's samples in the storage are never further apart
 * than 1.5 scrape intervals (make-before-break: the hand-off ends only once the new worker's scraper
 * has scraped the target). Once the series are learned, the busiest worker scrapes at most 1.10 times
 * the mean series: vmagent counts them per target; an agent cannot, and its sidecar asks the storage
 * ({@code prometheus.seriesQueryUrl}), as ops/prometheus/worker-agent.yml explains. The kill's gap is
 * measured. The figures are printed as one JSON line per kind ({@code E2E {...}}).
 */
class ScrapersIT {

    static final int SCRAPE_SECONDS = 2;
    static final int SESSION_SECONDS = 6;
    static final int TARGETS = 60;
    /** Between two events: several scrapes of the new state. */
    static final long QUIET_MILLIS = 5_000L * SCRAPE_SECONDS;
    static final double BALANCE_BOUND = 1.10;

    @RegisterExtension
    final E2eRun run = new E2eRun("scrapers");
    private PromshardCluster cluster;
    private Exporters exporters;
    private VictoriaMetrics storage;
    private final Map<String, Long> events = new LinkedHashMap<>();
    /** Each worker's scraper's port. */
    private final Map<String, Integer> scraperPorts = new TreeMap<>();

    /** How a worker's scraper is started, and what its sidecar is told of it. */
    private enum Kind {
        AGENT, VMAGENT
    }

    @Test
    void agentWorkersHandOffWithoutAGapAndBalanceBySeriesFromTheStorage() throws Exception {
        fleetThroughAJoinADrainAndAKill(Kind.AGENT);
    }

    @Test
    void vmagentWorkersHandOffWithoutAGapAndBalanceBySeriesTheyCount() throws Exception {
        fleetThroughAJoinADrainAndAKill(Kind.VMAGENT);
    }

    private void fleetThroughAJoinADrainAndAKill(Kind kind) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("scraper", kind.name().toLowerCase(Locale.ROOT));
        try {
            startCluster(kind, report);
            long from = System.currentTimeMillis();
            event("join w5");
            startWorker(kind, "w5", "b");
            cluster.awaitSettled(5);
            quiet();
            event("drain w2");
            cluster.drain("w2");
            cluster.awaitSettled(5);
            awaitScrapingNothing("w2");
            quiet();
            long to = System.currentTimeMillis();
            awaitStorageHas(to);
            checkPlannedMoves(from, to, report);
            checkSeriesBalance(List.of("w1", "w3", "w4", "w5"), report);
            measureKill("w3", report);
        } finally {
            report.put("events_ms", events);
            System.out.println("E2E " + Json.mapper().writeValueAsString(report));
        }
    }

    // ---- the set-up

    private void startCluster(Kind kind, Map<String, Object> report) throws Exception {
        long seed = Seeds.seed("ScrapersIT." + kind);
        report.put("seed", seed);
        Random random = new Random(seed);
        List<Integer> series = new ArrayList<>();
        for (int i = 0; i < TARGETS; i++) {
            series.add(5 + random.nextInt(36));
        }
        exporters = run.exporters(series);
        storage = run.victoriaMetrics(SCRAPE_SECONDS);
        Path inventory = Files.createDirectories(run.dir().resolve("inventory"));
        Files.writeString(inventory.resolve("node.json"), exporters.fileSd(Map.of("env", "scrapers")));
        cluster = new PromshardCluster(run, SESSION_SECONDS);
        cluster.startZooKeeper();
        cluster.startCoordinator("""
                inventory:
                  refreshInterval: 1s
                  jobs:
                    - {name: node, files: ["%s/node.json"]}
                assignment: {settleTime: 500ms, reassignmentDelay: 2s, handoffTimeout: 90s}
                """.formatted(inventory));
        for (String w : List.of("w1", "w2", "w3", "w4")) {
            startWorker(kind, w, w.equals("w1") || w.equals("w2") ? "a" : "b");
        }
        cluster.awaitSettled(4);
        PromshardCluster.poll("every target's up in the storage",
                () -> storage.value("count(max without (promshard_worker) (up{job=\"node\"}))") == TARGETS);
    }

    /**
     * A worker: its scraper and its sidecar in {@code zone}. The sidecar learns the kind from the
     * scraper's readiness answer; an agent's sidecar asks the storage for this worker's series.
     */
    private void startWorker(Kind kind, String worker, String zone) throws Exception {
        Path sd = Files.createDirectories(run.dir().resolve(worker).resolve("sd"));
        int port = Processes.freePort();
        scraperPorts.put(worker, port);
        String settings = "";
        if (kind == Kind.AGENT) {
            run.agentWorker(worker, port, SCRAPE_SECONDS, sd, storage.port());
            settings = "seriesQueryUrl: \"http://127.0.0.1:%d\", seriesQuery: 'scrape_samples_post_metric_relabeling{promshard_worker=\"%s\"}'"
                    .formatted(storage.port(), worker);
        } else {
            run.vmagentWorker(worker, port, SCRAPE_SECONDS, sd, storage.port());
        }
        cluster.startSidecar(worker, zone, port, sd, settings);
        JsonNode status = cluster.sidecarStatus(worker);
        assertEquals(kind == Kind.AGENT ? "agent" : "vmagent", status.path("scraper").asText(), status.toString());
        assertEquals(kind == Kind.AGENT ? "remote_query" : "targets", status.path("seriesSource").asText(),
                status.toString());
    }

    private void event(String name) {
        events.put(name, System.currentTimeMillis());
    }

    // ---- the checks

    /** Every target's samples in the storage, all workers' series together, no further apart than 1.5 intervals. */
    private void checkPlannedMoves(long from, long to, Map<String, Object> report) {
        Map<String, List<Long>> byTarget = storage.timesByInstance("up{job=\"node\"}", from, to);
        assertEquals(TARGETS, byTarget.size(), "targets in the storage");
        List<Double> gaps = new ArrayList<>();
        List<String> late = new ArrayList<>();
        byTarget.forEach((target, times) -> {
            double gap = HaStorageIT.longestGap(times, from, to) / 1000.0;
            gaps.add(gap);
            if (gap > 1.5 * SCRAPE_SECONDS) {
                late.add(target + " " + gap + " s");
            }
        });
        report.put("planned_moves_longest_storage_gap_s", Figures.percentiles(gaps));
        assertEquals(List.of(), late, "targets whose samples were over 1.5 intervals apart through a join and a "
                + "drain; events (unix ms) " + events);
    }

    /**
     * Once the coordinator has learned every target's series, the series the {@code active} workers'
     * files hold are within {@link #BALANCE_BOUND} of their mean.
     */
    private void checkSeriesBalance(List<String> active, Map<String, Object> report) {
        Map<String, Integer> seriesByAddress = new TreeMap<>();
        exporters.all.forEach(e -> seriesByAddress.put(e.address, e.series));
        Map<String, Long> perWorker = new TreeMap<>();
        double[] imbalance = {Double.NaN};
        PromshardCluster.poll("series per worker within " + BALANCE_BOUND + " of the mean", () -> {
            perWorker.clear();
            for (String w : active) {
                perWorker.put(w, filesOf(w).stream().mapToLong(seriesByAddress::get).sum());
            }
            imbalance[0] = maxOverMean(perWorker.values());
            return cluster.status().path("handoffs").asInt() == 0 && imbalance[0] <= BALANCE_BOUND;
        });
        report.put("series_per_worker", perWorker);
        report.put("series_max_over_mean", imbalance[0]);
        Map<String, Long> reported = new TreeMap<>();
        PromshardCluster.poll("every active worker's series reported to the coordinator", () -> {
            reported.clear();
            Http.json(cluster.api("/workers")).forEach(w -> {
                if (active.contains(w.path("id").asText())) {
                    reported.put(w.path("id").asText(), w.path("series").asLong());
                }
            });
            return reported.size() == active.size() && reported.values().stream().allMatch(n -> n > 0);
        });
        report.put("series_reported_per_worker", reported);
        assertTrue(imbalance[0] <= BALANCE_BOUND, "max/mean series " + imbalance[0]);
    }

    /**
     * A drained worker's scraper stops scraping: its sidecar empties the file (a deleted file would
     * leave vmagent scraping what it last read from it).
     */
    private void awaitScrapingNothing(String worker) {
        int port = scraperPorts.get(worker);
        PromshardCluster.poll(worker + "'s scraper to scrape nothing", () -> {
            JsonNode targets = Http.json(URI.create("http://127.0.0.1:" + port + "/api/v1/targets?state=active"));
            if (!targets.path("status").asText().equals("success")) {
                return false;
            }
            for (JsonNode target : targets.path("data").path("activeTargets")) {
                if (target.path("scrapePool").asText().equals("node")) {
                    return false;
                }
            }
            return true;
        });
    }

    /** kill -9 of {@code worker}'s scraper and sidecar: how long its targets went unscraped. */
    private void measureKill(String worker, Map<String, Object> report) throws Exception {
        Set<String> killed = filesOf(worker);
        long killedAt = System.currentTimeMillis();
        event("kill -9 " + worker);
        cluster.kill9(worker);
        cluster.awaitSettled(4);
        quiet();
        long to = System.currentTimeMillis();
        List<Double> gaps = new ArrayList<>();
        for (Exporters.Exporter e : exporters.all) {
            if (killed.contains(e.address)) {
                gaps.add(HaStorageIT.longestGap(e.scrapesBetween(killedAt, to), killedAt, to) / 1000.0);
            }
        }
        assertTrue(!gaps.isEmpty(), worker + " scraped no target");
        report.put("kill9_gap_s", Figures.percentiles(gaps));
    }

    /**
     * A measurement window, not a wait for a condition: the scrapes of the new state accumulate, and
     * they are what the gap and kill checks read.
     */
    private static void quiet() throws InterruptedException {
        Thread.sleep(QUIET_MILLIS);
    }

    /** Waits until every target has a sample at or after {@code millis} in the storage. */
    private void awaitStorageHas(long millis) {
        PromshardCluster.poll("the storage to hold the last samples", () -> storage.value(
                "count(max without (promshard_worker) (timestamp(up{job=\"node\"})) >= " + millis / 1000 + ")")
                >= TARGETS);
    }

    /** The addresses in {@code worker}'s node file. */
    private Set<String> filesOf(String worker) {
        Set<String> out = new TreeSet<>();
        Path file = run.dir().resolve(worker + "/sd/node.json");
        try {
            if (Files.exists(file)) {
                for (JsonNode g : Json.mapper().readTree(file.toFile())) {
                    g.path("targets").forEach(t -> out.add(t.asText()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(file + ": " + e, e);
        }
        return out;
    }

    private static double maxOverMean(Collection<Long> values) {
        double mean = values.stream().mapToLong(Long::longValue).average().orElse(0);
        return values.stream().mapToLong(Long::longValue).max().orElse(0) / mean;
    }
}
