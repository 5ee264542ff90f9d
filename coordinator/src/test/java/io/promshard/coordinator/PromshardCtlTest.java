package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.DropwizardTestSupport;
import io.promshard.client.Json;
import io.promshard.client.cli.PromshardCtl;
import io.promshard.client.testing.Poll;
import io.promshard.coordinator.cluster.TestSidecar;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every promshardctl command against a running coordinator on real ZooKeeper: output and exit codes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PromshardCtlTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    ApiCluster cluster;
    TestingServer zk;
    TestSidecar w1;
    TestSidecar w2;
    String url;

    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            return Json.mapper().readTree(out);
        }
    }

    @BeforeAll
    void start() throws Exception {
        cluster = ApiCluster.start("promshardctl");
        zk = cluster.zk;
        w1 = cluster.w1;
        w2 = cluster.w2;
        url = cluster.url();
    }

    @AfterAll
    void stop() throws Exception {
        cluster.close();
    }

    Result ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--coordinator", url));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PromshardCtl.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void statusPrintsATableOrJsonAndExitsZeroWhenHealthy() throws Exception {
        Result table = ctl("status");
        assertEquals(PromshardCtl.OK, table.code(), table.err());
        assertTrue(table.out().startsWith("FIELD"), table.out());
        assertTrue(table.out().contains("health") && table.out().contains("healthy"), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.matches("leader\\s+c1")), table.out());
        Result json = ctl("status", "-o", "json");
        assertEquals(PromshardCtl.OK, json.code());
        assertEquals("c1", json.json().get("leader").asText());
        assertEquals(10, json.json().get("targets").asInt());
    }

    @Test
    void workersOwnerAndAssignment() throws Exception {
        Result workers = ctl("workers");
        assertEquals(PromshardCtl.OK, workers.code(), workers.err());
        assertTrue(workers.out().lines().anyMatch(l -> l.startsWith("w1 ") && l.contains("ACTIVE")), workers.out());
        assertTrue(workers.out().lines().anyMatch(l -> l.startsWith("w2 ")), workers.out());
        JsonNode list = ctl("-o", "json", "workers").json();
        assertEquals(2, list.size());
        assertEquals(10, list.get(0).get("targets").asInt() + list.get(1).get("targets").asInt());

        String owner = w1.owned().containsKey("static/127.0.0.1:9101") ? "w1" : "w2";
        Result lookup = ctl("owner", "static", "127.0.0.1:9101");
        assertEquals(PromshardCtl.OK, lookup.code(), lookup.err());
        assertTrue(lookup.out().startsWith("static/127.0.0.1:9101: owners " + owner), lookup.out());
        assertTrue(lookup.out().lines().anyMatch(l -> l.startsWith("why: " + owner + " is its ")), lookup.out());
        assertEquals(owner, ctl("owner", "static", "127.0.0.1:9101", "-o", "json").json().get("owners").get(0).asText());

        Result assignment = ctl("assignment", "w1");
        assertEquals(PromshardCtl.OK, assignment.code());
        for (String target : w1.owned().keySet()) {
            String address = target.substring("static/".length());
            assertTrue(assignment.out().lines().anyMatch(l -> l.startsWith("static") && l.contains(address)),
                    assignment.out());
        }
        Result missing = ctl("assignment", "nobody");
        assertEquals(PromshardCtl.REFUSED, missing.code());
        assertTrue(missing.err().contains("404") && missing.err().contains("nobody"), missing.err());
    }

    @Test
    void targetsAddListRemoveNeedTheToken() throws Exception {
        Result refused = ctl("targets", "add", "cli", "10.3.0.1:9100");
        assertEquals(PromshardCtl.REFUSED, refused.code());
        assertTrue(refused.err().contains("403") || refused.err().contains("401"), refused.err());

        Result added = ctl("--token", ApiCluster.TOKEN, "targets", "add", "cli", "10.3.0.1:9100", "10.3.0.2:9100",
                "-l", "team=db");
        assertEquals(PromshardCtl.OK, added.code(), added.err());
        assertTrue(added.out().contains("10.3.0.2:9100") && added.out().contains("team=db"), added.out());
        Poll.until("the CLI's targets assigned", WAIT, () -> w1.owned().size() + w2.owned().size() == 12);
        JsonNode listed = ctl("-o", "json", "targets", "list", "cli").json();
        assertEquals(2, listed.get("targets").asInt());

        Result invalid = ctl("--token", ApiCluster.TOKEN, "targets", "add", "cli", "http://not-an-address/");
        assertEquals(PromshardCtl.REFUSED, invalid.code());
        assertTrue(invalid.err().contains("is not a scrapable address"), invalid.err());

        Result removed = ctl("--token", ApiCluster.TOKEN, "targets", "remove", "cli", "10.3.0.1:9100",
                "10.3.0.2:9100");
        assertEquals(PromshardCtl.OK, removed.code(), removed.err());
        Poll.until("the CLI's targets gone", WAIT, () -> w1.owned().size() + w2.owned().size() == 10);
    }

    @Test
    void drainAndUndrain() throws Exception {
        Result drained = ctl("--token", ApiCluster.TOKEN, "drain", "w1", "--reason", "test");
        assertEquals(PromshardCtl.OK, drained.code(), drained.err());
        assertTrue(drained.out().lines().anyMatch(l -> l.matches("w1\\s+true\\s+.*")), drained.out());
        Poll.until("w1 empty", WAIT, () -> w1.owned().isEmpty() && w2.owned().size() == 10);
        Result undrained = ctl("--token", ApiCluster.TOKEN, "undrain", "w1", "-o", "json");
        assertEquals(PromshardCtl.OK, undrained.code(), undrained.err());
        assertEquals(false, undrained.json().get("draining").asBoolean());
        Poll.until("w1 back", WAIT, () -> !w1.owned().isEmpty() && w1.owned().size() + w2.owned().size() == 10);
    }

    @Test
    void eventsDryRunAndCoverage() throws Exception {
        Result events = ctl("events");
        assertEquals(PromshardCtl.OK, events.code());
        assertTrue(events.out().startsWith("TIME") && events.out().lines().count() >= 2, events.out());
        Result dry = ctl("dryrun", "join", "w9");
        assertEquals(PromshardCtl.OK, dry.code(), dry.err());
        assertTrue(dry.out().startsWith("join w9 at epoch"), dry.out());
        assertEquals(PromshardCtl.REFUSED, ctl("dryrun", "leave", "w9").code());
        Poll.until("full coverage", WAIT, () -> {
            try {
                JsonNode c = ctl("-o", "json", "coverage").json();
                return c.get("covered").asInt() == c.get("targets").asInt();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void exitCodesScriptsCanRelyOn() {
        assertEquals(PromshardCtl.USAGE, ctl("no-such-command").code());
        assertEquals(PromshardCtl.USAGE, ctl("owner", "only-a-job").code());
        assertEquals(PromshardCtl.USAGE, ctl("-o", "yaml", "status").code());
        StringWriter err = new StringWriter();
        int code = PromshardCtl.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
                "--coordinator", "http://127.0.0.1:1", "status");
        assertEquals(PromshardCtl.UNREACHABLE, code);
        assertTrue(err.toString().contains("cannot reach the coordinator"), err.toString());
        StringWriter badUrl = new StringWriter();
        assertEquals(PromshardCtl.USAGE, PromshardCtl.run(new PrintWriter(new StringWriter()), new PrintWriter(badUrl),
                "--coordinator", "http://127.0.0.1:1,127.0.0.1:8080", "status"));
        assertTrue(badUrl.toString().contains("coordinator URL 2 \"127.0.0.1:8080\""), badUrl.toString());
        assertEquals(PromshardCtl.OK, ctl("--help").code());
    }

    @Test
    void statusExitsFourWhenTargetsHaveNoOwner() throws Exception {
        // a second cluster in the same ensemble, with its inventory and no worker at all
        DropwizardTestSupport<CoordinatorConfiguration> lonely = ApiCluster.startApp(zk,
                Files.createTempDirectory("lonely"), "c9", "lonely");
        try {
            String lonelyUrl = "http://127.0.0.1:" + lonely.getLocalPort();
            Poll.until("the lonely coordinator leading", WAIT, () -> PromshardCtl.run(new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter()), "--coordinator", lonelyUrl, "status", "-o", "json")
                    != PromshardCtl.UNREACHABLE);
            StringWriter out = new StringWriter();
            Poll.until("status reporting the 10 unowned targets", WAIT, () -> {
                out.getBuffer().setLength(0);
                return PromshardCtl.run(new PrintWriter(out), new PrintWriter(new StringWriter()),
                        "--coordinator", lonelyUrl, "status") == PromshardCtl.UNHEALTHY;
            });
            assertTrue(out.toString().contains("10 unassigned"), out.toString());
        } finally {
            lonely.after();
        }
    }
}
