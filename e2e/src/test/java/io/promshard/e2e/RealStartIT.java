package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.client.testing.DocBlocks;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's "running it for real" on one machine, with the example configurations as they are
 * in ops/: a three-server ZooKeeper ensemble from ops/zk-ensemble.sh, a worker Prometheus from
 * ops/prometheus/worker.yml, the README block's coordinator ({@code ops/coordinator.yml}) and
 * sidecar ({@code ops/sidecar.yml}) commands run as written, and a master from
 * ops/prometheus/master.yml. In a scratch copy, those files are relocated: /var/lib/promshard and
 * /etc/prometheus under a scratch root, host names local, the well-known ports shifted. The master
 * must end up with every inventory target's {@code up}, federated through the coordinator's
 * {@code federation.json}.
 */
class RealStartIT {

    /** Added to every well-known port: all of them stay below 32768. */
    static final int OFFSET = 21000;
    static final Duration WAIT = Duration.ofSeconds(180);
    /** The ports the example configurations name, shifted by {@link #OFFSET} in the copies. */
    static final List<Integer> PORTS = List.of(2181, 2182, 2183, 8080, 8081, 8090, 8091, 8101, 8201, 9090, 9115, 9190);
    static final String WORKER = "prom-1";

    @RegisterExtension
    final E2eRun run = new E2eRun("real-start");
    private Path root;
    private Path sandbox;
    private Path fs;
    private Processes processes;
    private Path ensemble;

    @BeforeEach
    void prepare() throws Exception {
        root = run.root();
        Path dir = run.dir();
        sandbox = Files.createDirectories(dir.resolve("checkout"));
        fs = Files.createDirectories(dir.resolve("fs"));
        processes = run.processes();
        ensemble = dir.resolve("zookeeper");
        for (String module : List.of("coordinator", "worker-sidecar")) {
            Files.createSymbolicLink(sandbox.resolve(module), root.resolve(module));
        }
        for (String file : List.of("coordinator.yml", "sidecar.yml", "prometheus/worker.yml", "prometheus/master.yml")) {
            Path copy = sandbox.resolve("ops").resolve(file);
            Files.createDirectories(copy.getParent());
            Files.writeString(copy, relocate(Files.readString(root.resolve("ops").resolve(file))));
        }
        for (String d : List.of("var/lib/promshard/sd", "var/lib/promshard/output", "etc/prometheus/blackbox")) {
            Files.createDirectories(fs.resolve(d));
        }
        // the node job's inventory: four local endpoints that serve Prometheus metrics
        StringBuilder yaml = new StringBuilder("- labels: {env: docs}\n  targets:\n");
        targets().forEach(t -> yaml.append("    - ").append(t).append('\n'));
        Files.writeString(Files.createDirectories(fs.resolve("etc/prometheus/node")).resolve("local.yml"), yaml);
    }

    @AfterEach
    void stopTheEnsemble() throws Exception {
        if (ensemble != null && Files.isDirectory(ensemble)) {
            zkEnsemble("stop");
        }
    }

    @Test
    void theExamplesWorkTogetherFromInventoryToMaster() throws Exception {
        zkEnsemble("start");
        startPrometheus("worker", "ops/prometheus/worker.yml", 9090);
        List<String> commands = readmeCommands();
        assertFalse(commands.isEmpty(), "README.md: no java command in its real-start block");
        for (int i = 0; i < commands.size(); i++) {
            processes.start("real-start-" + i, List.of("bash", "-c", "exec " + commands.get(i)), Map.of(), sandbox);
        }
        startPrometheus("master", "ops/prometheus/master.yml", 9190);

        Set<String> expected = new HashSet<>(targets());
        await("the sidecar from ops/sidecar.yml to write all " + expected.size() + " node targets",
                () -> expected.equals(sidecarTargets()));
        await("the worker Prometheus from ops/prometheus/worker.yml to scrape them", () -> {
            int up = 0;
            for (JsonNode t : Http.json(prometheus(9090, "/api/v1/targets?state=active")).path("data").path("activeTargets")) {
                up += t.path("scrapePool").asText().equals("node") && t.path("health").asText().equals("up") ? 1 : 0;
            }
            return up == expected.size();
        });
        await("the coordinator's federation.json to list the worker", this::federationListsTheWorker);
        await("the master from ops/prometheus/master.yml to federate every target's up",
                () -> Http.query(port(9190), "count(up{job=\"node\",promshard_worker=\"" + WORKER + "\"} == 1)")
                        .path(0).path("value").path(1).asText("").equals(String.valueOf(expected.size())));
    }

    // ---- the README and the examples, for this machine

    /** The README's real-start block: its java commands, as written ({@code mvn} built the jars already). */
    private static List<String> readmeCommands() throws IOException {
        List<DocBlocks.Block> blocks = DocBlocks.ofKind("real-start");
        assertEquals(1, blocks.size(), "one real-start block");
        return blocks.get(0).text().lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("mvn ")).toList();
    }

    /** The production paths under the scratch root, host names local, the well-known ports shifted. */
    private String relocate(String text) {
        String out = text.replace("/var/lib/promshard", fs.resolve("var/lib/promshard").toString())
                .replace("/etc/prometheus", fs.resolve("etc/prometheus").toString())
                .replace("coordinator-1:8080", "127.0.0.1:8080").replace("coordinator-2:8080", "127.0.0.1:8090")
                .replaceAll("prom-\\d+:8101", "127.0.0.1:8101");
        for (int p : PORTS) {
            out = out.replaceAll("(^|[^0-9])" + p + "(?![0-9])", "$1" + port(p));
        }
        return out;
    }

    private static int port(int wellKnown) {
        return wellKnown + OFFSET;
    }

    /** The coordinator, the sidecar, the worker Prometheus and the master: each serves /metrics. */
    private static List<String> targets() {
        return List.of(8080, 8101, 9090, 9190).stream().map(p -> "127.0.0.1:" + port(p)).toList();
    }

    // ---- processes

    private void zkEnsemble(String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("ops/zk-ensemble.sh").toString(), command,
                ensemble.toString()).redirectErrorStream(true);
        builder.environment().put("PROMSHARD_ZK_BASE_PORT", String.valueOf(port(2181)));
        builder.environment().put("PROMSHARD_ZK_QUORUM_BASE", String.valueOf(port(2888)));
        Process p = builder.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES) && p.exitValue() == 0, "zk-ensemble.sh " + command + ":\n" + out);
    }

    private void startPrometheus(String name, String config, int wellKnownPort) throws Exception {
        run.prometheus(name, sandbox.resolve(config), Files.createDirectories(sandbox.resolve("data-" + name)),
                port(wellKnownPort));
    }

    private static URI prometheus(int wellKnownPort, String path) {
        return URI.create("http://127.0.0.1:" + port(wellKnownPort) + path);
    }

    // ---- conditions

    private Set<String> sidecarTargets() {
        Set<String> out = new HashSet<>();
        try {
            for (TargetGroup g : new FileSdDirectory(fs.resolve("var/lib/promshard/sd")).read("node")) {
                out.addAll(g.targets());
            }
        } catch (IOException e) {
            return Set.of();
        }
        return out;
    }

    private boolean federationListsTheWorker() {
        try {
            String federation = Files.readString(fs.resolve("var/lib/promshard/output/federation.json"));
            return federation.contains("\"127.0.0.1:" + port(9090) + "\"");
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls {@code condition}; a process of the set-up that exited ends the wait with its log. */
    private void await(String what, Supplier<Boolean> condition) {
        Poll.until(what, WAIT, Duration.ofMillis(500), () -> processes.allAlive() && condition.get());
    }
}
