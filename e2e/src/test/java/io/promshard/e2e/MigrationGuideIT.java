package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.client.testing.DocBlocks;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/migration.md walked through with its own blocks: two real Prometheus shards run the guide's
 * hashmod job (its shard 3 of 10 rewritten to shards 0 and 1 of 2) on 24 loopback targets; then
 * promshard beside them (the packaged coordinator on the same files, a sidecar per shard, ZooKeeper
 * as its own process), the guide's second job added, then switched to, and the guide's master on
 * the coordinator's {@code federation.json}. At every step each target is scraped exactly once per
 * job (once no hand-off is in flight: during one a target is scraped by both owners, by design),
 * and step 1's coverage counts every target pending, as the guide says.
 */
class MigrationGuideIT {

    static final int TARGETS = 24;
    static final Duration WAIT = Duration.ofSeconds(120);
    static final String GLOBAL = "global: {scrape_interval: 2s, scrape_timeout: 1s, evaluation_interval: 2s}\n";
    /** The query docs/handoff.md gives for a target's series at the master, whichever worker it came from. */
    static final String DEDUPLICATED = "max without (promshard_worker) (up{job=\"node\"})";

    @RegisterExtension
    final E2eRun run = new E2eRun("migration");
    private Path root;
    private Path dir;
    private Processes processes;
    private List<String> expected;
    private final int[] shardPort = new int[2];
    private int coordinatorPort;

    @BeforeEach
    void writeTheInventory() throws Exception {
        root = run.root();
        dir = run.dir();
        processes = run.processes();
        Exporters exporters = run.exporters(Collections.nCopies(TARGETS, 3));
        expected = exporters.all.stream().map(e -> e.address).sorted().toList();
        Path inventory = Files.createDirectories(dir.resolve("etc/prometheus/targets/node"));
        StringBuilder yaml = new StringBuilder("- targets:\n");
        expected.forEach(t -> yaml.append("    - ").append(t).append('\n'));
        Files.writeString(inventory.resolve("all.yml"), yaml);
    }

    @Test
    void theGuidesStepsKeepEveryTargetScrapedOncePerJob() throws Exception {
        String hashmod = block("prometheus migration-hashmod");
        String beside = block("prometheus migration-promshard");
        String master = block("prometheus migration-master");
        assertTrue(hashmod.contains("modulus: 10") && hashmod.contains("regex: \"3\""),
                "docs/migration.md: the hashmod block no longer reads shard 3 of 10, which this test rewrites");

        // before: two hashmod shards
        for (int shard = 0; shard < 2; shard++) {
            shardPort[shard] = Processes.freePort();
            writeShardConfig(shard, hashmodShard(hashmod, shard));
            startPrometheus("shard-" + shard, dir.resolve("shard-" + shard), shardPort[shard], "--web.enable-lifecycle");
        }
        await("the hashmod shards to scrape each target once", () -> eachOnce("node"));

        stepOnePromshardBesideHashmod();
        stepTwoTheSecondJobThenTheSwitch(hashmod, beside);
        stepThreeTheMasterOnFederation(master);
    }

    /** The same files as promshard's inventory, its sidecars first (the first assignment then moves nothing). */
    private void stepOnePromshardBesideHashmod() throws Exception {
        int zkPort = Processes.freePort();
        processes.zooKeeper(root.resolve("coordinator/target/promshard-coordinator.jar"), zkPort,
                Processes.SMALL_JVM,
                List.of("tickTime=500", "initLimit=10", "syncLimit=5"), WAIT);
        String connect = "127.0.0.1:" + zkPort;
        for (int shard = 0; shard < 2; shard++) {
            startSidecar(shard, connect);
        }
        coordinatorPort = Processes.freePort();
        Path yml = dir.resolve("coordinator.yml");
        Files.writeString(yml, """
                zookeeper: {connectString: "%s", cluster: migration}
                inventory: {refreshInterval: 2s, jobs: [{name: node, files: ["%s/*.yml"]}]}
                assignment: {settleTime: 1s}
                outputDirectory: %s
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                """.formatted(connect, dir.resolve("etc/prometheus/targets/node"), dir.resolve("output"),
                coordinatorPort, Processes.freePort()));
        processes.start("coordinator", Processes.smallJvm("-jar",
                root.resolve("coordinator/target/promshard-coordinator.jar").toString(), "server", yml.toString()));
        await("the two sidecars to hold every target once", this::sidecarsHoldEveryTargetOnce);
        // what the guide says of step 1: nothing scrapes the sidecars' files yet, so every target is pending
        await("step 1's coverage to count every target pending", () -> {
            JsonNode coverage = coordinator("/coverage");
            return coverage.path("targets").asInt(-1) == TARGETS && coverage.path("pending").asInt(-1) == TARGETS;
        });
    }

    /** The guide's second job beside the hashmod one, compared; then renamed to node, hashmod deleted. */
    private void stepTwoTheSecondJobThenTheSwitch(String hashmod, String beside) throws Exception {
        for (int shard = 0; shard < 2; shard++) {
            writeShardConfig(shard, hashmodShard(hashmod, shard) + besideFor(beside, shard));
        }
        reload();
        await("each target scraped once as node (hashmod) and once as node-promshard",
                () -> settled() && eachOnce("node") && eachOnce("node-promshard"));
        for (int shard = 0; shard < 2; shard++) {
            writeShardConfig(shard, GLOBAL + "scrape_configs:\n"
                    + besideFor(beside, shard).replace("job_name: node-promshard", "job_name: node"));
        }
        reload();
        // a removed job's last samples stay queryable for the lookback delta (no staleness markers for a
        // job a reload removes): that no shard has an active target in it is what is checked
        await("each target scraped once, as node, from promshard's files alone", () -> settled() && eachOnce("node")
                && Http.activeTargets(shardPort[0], "node-promshard") == 0
                && Http.activeTargets(shardPort[1], "node-promshard") == 0);
    }

    private void stepThreeTheMasterOnFederation(String master) throws Exception {
        Path m = Files.createDirectories(dir.resolve("master"));
        Files.writeString(m.resolve("prometheus.yml"), GLOBAL + "scrape_configs:\n"
                + master.replace("/var/lib/promshard/output", dir.resolve("output").toString()));
        int port = Processes.freePort();
        startPrometheus("master", m, port);
        await("the master to federate from both shards and see every target",
                () -> Http.activeTargets(port, "federate") == 2
                        && sorted(Http.instances(port, DEDUPLICATED)).equals(expected));
    }

    // ---- the guide's blocks, for this machine

    private static String block(String tag) throws IOException {
        List<DocBlocks.Block> found = DocBlocks.all().stream().filter(b -> b.tag().equals(tag)).toList();
        assertTrue(found.size() == 1, "docs/migration.md: one block tagged " + tag + ", found " + found.size());
        return found.get(0).text();
    }

    /** The guide's hashmod job as shard {@code shard} of two, its file paths here. */
    private String hashmodShard(String hashmod, int shard) {
        return GLOBAL + hashmod.replace("/etc/prometheus", dir.resolve("etc/prometheus").toString())
                .replace("modulus: 10", "modulus: 2").replace("regex: \"3\"", "regex: \"" + shard + "\"");
    }

    /** The guide's second job reading this shard's sidecar's files. */
    private String besideFor(String beside, int shard) {
        return beside.replace("/var/lib/promshard/sd", dir.resolve("shard-" + shard + "/sd").toString());
    }

    private void writeShardConfig(int shard, String config) throws IOException {
        Path d = Files.createDirectories(dir.resolve("shard-" + shard));
        Files.writeString(d.resolve("prometheus.yml"), config);
    }

    // ---- processes

    private void startPrometheus(String name, Path d, int port, String... flags) throws Exception {
        run.prometheus(name, d.resolve("prometheus.yml"), d.resolve("data"), port, flags);
    }

    private void startSidecar(int shard, String connect) throws Exception {
        Path d = Files.createDirectories(dir.resolve("shard-" + shard + "/sd")).getParent();
        int port = Processes.freePort();
        Path yml = d.resolve("sidecar.yml");
        Files.writeString(yml, """
                zookeeper: {connectString: "%s", cluster: migration}
                worker: {id: shard-%d, prometheusUrl: "http://127.0.0.1:%d", sidecarUrl: "http://127.0.0.1:%d"}
                prometheus: {enabled: true}
                outputDirectory: %s
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                """.formatted(connect, shard, shardPort[shard], port, d.resolve("sd"), port, Processes.freePort()));
        processes.start("sidecar-" + shard, Processes.smallJvm("-jar",
                root.resolve("worker-sidecar/target/promshard-worker-sidecar.jar").toString(), "server",
                yml.toString()));
    }

    private void reload() {
        for (int port : shardPort) {
            Http.post(URI.create("http://127.0.0.1:" + port + "/-/reload"));
        }
    }

    // ---- conditions

    /** Every target in exactly one of the two shards' {@code up{job}} series. */
    private boolean eachOnce(String job) {
        List<String> seen = new ArrayList<>();
        for (int port : shardPort) {
            seen.addAll(Http.instances(port, "up{job=\"" + job + "\"}"));
        }
        return sorted(seen).equals(expected);
    }

    private boolean sidecarsHoldEveryTargetOnce() {
        List<String> held = new ArrayList<>();
        try {
            for (int shard = 0; shard < 2; shard++) {
                for (TargetGroup g : new FileSdDirectory(dir.resolve("shard-" + shard + "/sd")).read("node")) {
                    held.addAll(g.targets());
                }
            }
        } catch (IOException e) {
            return false;
        }
        return sorted(held).equals(expected);
    }

    /** No move in flight: during a hand-off a target is scraped by both owners, by design. */
    private boolean settled() {
        return coordinator("/status").path("handoffs").asInt(-1) == 0;
    }

    private JsonNode coordinator(String path) {
        return Http.json(URI.create("http://127.0.0.1:" + coordinatorPort + "/api/v1" + path));
    }

    private void await(String what, Supplier<Boolean> condition) {
        Poll.until(what, WAIT, Duration.ofMillis(500), condition);
    }

    private static List<String> sorted(List<String> values) {
        List<String> out = new ArrayList<>(values);
        out.sort(null);
        return out;
    }
}
