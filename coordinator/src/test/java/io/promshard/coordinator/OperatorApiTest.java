package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.DropwizardTestSupport;
import io.promshard.client.Json;
import io.promshard.client.api.ShareView;
import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.Coverage;
import io.promshard.client.api.DryRun;
import io.promshard.client.api.ManagedTargets;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.TargetLookup;
import io.promshard.client.api.WorkerView;
import io.promshard.client.rest.CoordinatorClient;
import io.promshard.client.rest.CoordinatorException;
import io.promshard.client.testing.Poll;
import io.promshard.coordinator.cluster.TestSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The REST API v1 and its Java client against a running coordinator on real ZooKeeper, with two
 * workers made of the sidecar's real components.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorApiTest {

    static final String TOKEN = ApiCluster.TOKEN;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(30);

    ApiCluster cluster;
    DropwizardTestSupport<CoordinatorConfiguration> app;
    TestSidecar w1;
    TestSidecar w2;
    CoordinatorClient client;

    @BeforeAll
    void start() throws Exception {
        cluster = ApiCluster.start("operator-api");
        app = cluster.app;
        w1 = cluster.w1;
        w2 = cluster.w2;
        client = new CoordinatorClient(URI.create(cluster.url()), TOKEN);
    }

    @AfterAll
    void stop() throws Exception {
        cluster.close();
    }

    Map<String, String> owned() {
        return cluster.owned();
    }

    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.getLocalPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void assertJsonError(HttpResponse<String> r, int code, String mentions) throws Exception {
        assertEquals(code, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonNode error = Json.mapper().readTree(r.body());
        assertEquals(code, error.get("code").asInt(), r.body());
        assertTrue(error.get("message").asText().contains(mentions), r.body());
    }

    @Test
    void statusWorkersAndAssignments() throws Exception {
        Poll.until("both workers acknowledging their epoch", WAIT, () -> {
            try {
                return client.workers().stream().allMatch(w -> w.lagEpochs() == 0 && w.ackedEpoch() == w.epoch());
            } catch (CoordinatorException e) {
                throw new AssertionError(e);
            }
        });
        CoordinatorStatus s = client.status();
        assertTrue(s.isLeader());
        assertEquals("c1", s.leader());
        assertEquals(List.of("c1"), s.coordinators());
        assertTrue(s.epoch() > 0);
        assertEquals(2, s.workers());
        assertEquals(1, s.replication());
        assertEquals(0, s.unassigned());
        assertNotNull(s.balance());
        assertTrue(s.balance().maxOverMean() >= 1 && s.balance().maxOverMean() <= 1.2, s.balance().toString());

        List<WorkerView> workers = client.workers();
        assertEquals(Set.of("w1", "w2"), workers.stream().map(WorkerView::id).collect(Collectors.toSet()));
        assertEquals(owned().size(), workers.stream().mapToInt(WorkerView::targets).sum());
        for (WorkerView w : workers) {
            assertTrue(w.ackAgeMillis() >= 0, w.toString());
            assertEquals(-1, w.series(), "no Prometheus reported series");
            ShareView a = client.assignment(w.id());
            TestSidecar sidecar = w.id().equals("w1") ? w1 : w2;
            Set<String> published = a.jobs().entrySet().stream().flatMap(e -> e.getValue().stream()
                    .flatMap(g -> g.targets().stream().map(t -> e.getKey() + "/" + t))).collect(Collectors.toSet());
            assertEquals(sidecar.owned().keySet(), published);
            assertEquals(w.targets(), a.targetCount());
        }
        CoordinatorException unknown = assertThrows(CoordinatorException.class, () -> client.assignment("nobody"));
        assertEquals(404, unknown.status());
        assertTrue(unknown.getMessage().contains("nobody"), unknown.getMessage());
        assertJsonError(get("/api/v1/assignments/bad%20id"), 400, "invalid worker id");
        assertJsonError(get("/api/v1/no-such-thing"), 404, "");
    }

    @Test
    void targetLookupNamesTheOwnersAndTheReason() throws Exception {
        for (Map.Entry<String, String> e : owned().entrySet()) {
            String[] jobAddress = e.getKey().split("/", 2);
            TargetLookup l = client.owner(jobAddress[0], jobAddress[1]);
            assertEquals(List.of(e.getValue()), l.owners(), e.getKey());
            assertTrue(l.scrapedBy().contains(e.getValue()), l.toString());
            assertEquals(2, l.candidates().size());
            assertEquals(1, l.candidates().stream().filter(TargetLookup.Candidate::owner).count());
            TargetLookup.Candidate first = l.candidates().get(0);
            assertEquals(1, first.rank());
            assertTrue(first.score() >= l.candidates().get(1).score());
            TargetLookup.Candidate owner = l.candidates().stream().filter(TargetLookup.Candidate::owner).findFirst()
                    .orElseThrow();
            // the first choice owns it, or it sits elsewhere because the first choice holds its share already
            assertTrue(owner.rank() == 1 || first.load() + l.weight() > first.fairShare(), l.toString());
            assertTrue(l.reason().contains(owner.rank() == 1 ? "first choice" : first.worker() + " holds its share"), l.reason());
            assertTrue(l.hash().matches("[0-9a-f]{16}") && l.slot() >= 0 && l.slot() < 65536, l.toString());
        }
        assertJsonError(get("/api/v1/targets/static/10.9.9.9:1"), 404, "static/10.9.9.9:1");
    }

    @Test
    void eventsAndDryRuns() throws Exception {
        List<RebalanceEvent> events = client.events();
        assertFalse(events.isEmpty());
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i - 1).epoch() > events.get(i).epoch(), "newest first");
        }
        assertTrue(events.stream().anyMatch(e -> e.causes().contains("membership")), events.toString());

        Poll.until("the 10 static targets in force", WAIT, () -> owned().size() == 10);
        Map<String, String> before = owned();
        long w1Targets = before.values().stream().filter("w1"::equals).count();
        DryRun leave = client.dryRun("leave", "w1", 1, "");
        assertEquals(w1Targets, leave.moved(), leave.toString());
        assertEquals(0, leave.unplaced());
        assertFalse(leave.truncated());
        leave.targets().forEach(m -> {
            assertEquals(List.of("w1"), m.from());
            assertEquals(List.of("w2"), m.to());
        });
        DryRun drain = client.dryRun("drain", "w2", 1, "");
        assertEquals(10 - w1Targets, drain.moved());
        DryRun join = client.dryRun("join", "w3", 1, "");
        assertTrue(join.moved() > 0 && join.moved() <= 5, join.toString());
        join.targets().forEach(m -> assertEquals(List.of("w3"), m.to()));
        assertEquals(before, owned(), "a dry run changes nothing");

        assertEquals(404, assertThrows(CoordinatorException.class, () -> client.dryRun("leave", "w9", 1, "")).status());
        assertEquals(404, assertThrows(CoordinatorException.class, () -> client.dryRun("join", "w1", 1, "")).status());
        assertJsonError(get("/api/v1/dryrun/explode/w1"), 400, "leave, drain or join");
    }

    @Test
    void managedTargetsAreValidatedStoredInZooKeeperAndScraped() throws Exception {
        ManagedTargets added = client.addTargets("api-managed",
                List.of(TargetGroup.of(List.of("10.1.0.1:9100", "10.1.0.2:9100"), Map.of("team", "a"))));
        assertEquals(2, added.targets());
        Poll.until("the managed targets assigned", WAIT, () -> owned().containsKey("api-managed/10.1.0.1:9100")
                && owned().containsKey("api-managed/10.1.0.2:9100"));
        assertEquals(2, client.managedTargets("api-managed").targets());
        assertEquals(2, client.inventory().jobs().get("api-managed"));

        // validated exactly like a file, nothing written when refused
        for (String[] bad : new String[][] {
                {"[{\"targets\": [\"10.1.0.3:9100\"], \"labels\": {\"__address__\": \"evil:1\"}}]", "reserved"},
                {"[{\"targets\": [\"http://no-port/\"]}]", "is not a scrapable address"},
                {"{\"targets\": []}", "list of target groups"},
                {"[{\"targets\": [\"10.1.0.3:9100\"]}", "not valid JSON"}}) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.getLocalPort() + "/api/v1/inventory/api-managed"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(bad[0])).build(), HttpResponse.BodyHandlers.ofString());
            assertJsonError(r, 400, bad[1]);
        }
        assertEquals(2, client.managedTargets("api-managed").targets());
        CoordinatorException badJob = assertThrows(CoordinatorException.class,
                () -> client.addTargets("bad job", List.of(TargetGroup.of(List.of("10.1.0.3:9100"), Map.of()))));
        assertEquals(400, badJob.status());
        CoordinatorException noToken = assertThrows(CoordinatorException.class,
                () -> new CoordinatorClient(client.base(), null).addTargets("api-managed",
                        List.of(TargetGroup.of(List.of("10.1.0.4:9100"), Map.of()))));
        assertEquals(401, noToken.status());

        ManagedTargets removed = client.removeTargets("api-managed", List.of("10.1.0.1:9100"));
        assertEquals(1, removed.targets());
        Poll.until("the removed target gone from every worker", WAIT,
                () -> !owned().containsKey("api-managed/10.1.0.1:9100") && owned().containsKey("api-managed/10.1.0.2:9100"));
        client.removeTargets("api-managed", List.of("10.1.0.2:9100"));
        Poll.until("the job gone", WAIT, () -> owned().size() == 10);
        assertEquals(0, client.managedTargets("api-managed").targets());
    }

    @Test
    void coverageShowsGapsUntilWorkersAcknowledge() throws Exception {
        Poll.until("every target covered once", WAIT, () -> {
            Coverage c = coverage();
            return c.under() == 0 && c.over() == 0 && c.covered() == c.targets();
        });
        w1.holdAcks(true);
        w2.holdAcks(true);
        try {
            client.addTargets("coverage", List.of(TargetGroup.of(List.of("10.2.0.1:9100"), Map.of())));
            Poll.until("the new target pending acknowledgement, in the API and the metrics", WAIT, () -> {
                Coverage c = coverage();
                return c.under() >= 1 && c.pending() >= 1
                        && c.underTargets().stream().anyMatch(e -> e.target().equals("coverage/10.2.0.1:9100"))
                        && sample(metrics(), "promshard_coverage_targets{coverage=\"under\"}") >= 1;
            });
        } finally {
            w1.holdAcks(false);
            w2.holdAcks(false);
            client.removeTargets("coverage", List.of("10.2.0.1:9100"));
        }
        Poll.until("covered again", WAIT, () -> {
            Coverage c = coverage();
            return c.under() == 0 && c.over() == 0 && c.targets() == 10 && owned().size() == 10;
        });
    }

    static double sample(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError(series + " not in\n" + text);
    }

    private Coverage coverage() {
        try {
            return client.coverage();
        } catch (CoordinatorException e) {
            throw new AssertionError(e);
        }
    }

    private String metrics() {
        try {
            HttpResponse<String> r = get("/metrics");
            assertEquals(200, r.statusCode());
            String type = r.headers().firstValue("Content-Type").orElse("");
            assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), type);
            return r.body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void metricsFollowPrometheusConventions() throws Exception {
        String text = metrics();
        for (String sample : List.of("promshard_coordinator_is_leader 1", "promshard_zookeeper_connected 1",
                "promshard_workers{state=\"active\"} 2", "promshard_unassigned_targets 0",
                "promshard_inventory_refusals_total 0", "promshard_rebalance_duration_seconds_bucket{le=\"+Inf\"}",
                "promshard_worker_targets{worker=\"w1\"}", "promshard_coverage_targets{coverage=\"under\"}")) {
            assertTrue(text.contains(sample), sample + " in\n" + text);
        }
        assertTrue(text.matches("(?s).*promshard_inventory_targets 1\\d\n.*"), text);
        assertTrue(text.matches("(?s).*\npromshard_leader_runs_total [1-9]\\d*\n.*"), "the leader ran:\n" + text);
        for (String phase : List.of("engine", "handoffs", "shares", "publish")) {
            assertTrue(text.matches("(?s).*\npromshard_leader_phase_duration_seconds_count\\{phase=\"" + phase
                    + "\"} [1-9]\\d*\n.*"), "each leader run observes its " + phase + " phase:\n" + text);
        }
        for (String name : io.promshard.client.testing.Promtool.metricsInOpsKit()) {
            if (!name.startsWith("promshard_sidecar_")) { // the sidecar's: SidecarApplicationTest
                assertTrue(text.contains("\n# TYPE " + name + " "), "the alerting rules or the Grafana dashboard use " + name + ", not in\n" + text);
            }
        }
        io.promshard.client.testing.Promtool.checkMetrics(text);
    }

    @Test
    void httpSdServesEachWorkersShareInPrometheusFormat() throws Exception {
        for (TestSidecar w : List.of(w1, w2)) {
            HttpResponse<String> r = get("/api/v1/sd/" + w.applied().worker() + "?job=static");
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            JsonNode groups = Json.mapper().readTree(r.body());
            assertTrue(groups.isArray());
            Set<String> served = new java.util.HashSet<>();
            for (JsonNode g : groups) {
                assertTrue(g.get("targets").isArray() && g.get("labels").isObject(), g.toString());
                g.get("targets").forEach(t -> served.add("static/" + t.asText()));
            }
            Set<String> files = w.owned().keySet().stream().filter(k -> k.startsWith("static/")).collect(Collectors.toSet());
            assertEquals(files, served);
        }
        assertEquals("[]", get("/api/v1/sd/w1?job=no-such-job").body());
        assertJsonError(get("/api/v1/sd/nobody?job=static"), 404, "nobody");
    }

    /** A sample from a page rendered after this call: a page is answered from memory while the next one renders. */
    private long metric(String sample) throws Exception {
        double asked = System.currentTimeMillis() / 1000.0;
        String[] page = new String[1];
        Poll.until("a /metrics page rendered after " + asked, WAIT, () -> {
            try {
                page[0] = get("/metrics").body();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return sampleOf(page[0], "promshard_metrics_rendered_timestamp_seconds") >= asked;
        });
        return (long) sampleOf(page[0], sample);
    }

    private static double sampleOf(String page, String sample) {
        return page.lines().filter(l -> l.startsWith(sample + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(sample.length() + 1))).orElseThrow(
                        () -> new AssertionError(sample + " not in /metrics"));
    }

    /**
     * What one unauthenticated request may make the coordinator compute is bounded: the listing is
     * capped, and the same dry run asked twelve times at once is computed once (the others wait for
     * its answer, or are told 429 to retry), not twelve times.
     */
    @Test
    void dryRunsAreBoundedInWhatTheyMakeTheCoordinatorCompute() throws Exception {
        Poll.until("the 10 static targets in force", WAIT, () -> owned().size() == 10);
        HttpResponse<String> tooMany = get("/api/v1/dryrun/leave/w1?limit="
                + (io.promshard.coordinator.resources.ClusterResource.MAX_LISTED + 1));
        assertEquals(400, tooMany.statusCode(), tooMany.body());
        assertTrue(tooMany.body().contains("limit"), tooMany.body());
        String computed = "promshard_api_computations_total{endpoint=\"dryrun\"}";
        long before = metric(computed);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(12);
            List<java.util.concurrent.Future<HttpResponse<String>>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                answers.add(pool.submit(() -> {
                    together.await();
                    return get("/api/v1/dryrun/leave/w1?limit=7");
                }));
            }
            Set<String> bodies = new java.util.HashSet<>();
            for (java.util.concurrent.Future<HttpResponse<String>> a : answers) {
                HttpResponse<String> r = a.get();
                if (r.statusCode() == 429) {
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(""), r.headers().toString());
                } else {
                    assertEquals(200, r.statusCode(), r.body());
                    bodies.add(r.body());
                }
            }
            assertEquals(1, bodies.size(), "one view, one answer");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, metric(computed) - before, "the same dry run of the same view is computed once");
    }

    @Test
    void confirmingADropNeedsTheTokenAndAHeldDrop() throws Exception {
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + app.getLocalPort() + "/api/v1/inventory/drop/confirm")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertJsonError(anonymous, 401, "token");
        HttpResponse<String> nothing = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + app.getLocalPort() + "/api/v1/inventory/drop/confirm")).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertJsonError(nothing, 409, "no target drop is held");
        assertEquals("", client.status().publishHeld());
    }
}
