package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ops/local-cluster.sh} as docs/operations.md starts it (a three-server ZooKeeper ensemble,
 * two coordinators, three sidecars, each with its Prometheus, and a federating master, every one its
 * own process), then, in order on that one cluster: the guide's runbook for taking a worker out
 * (its {@code cluster} blocks, run as written with {@code promshardctl} pointed at both
 * coordinators and {@code systemctl stop} stopping the worker's sidecar and Prometheus) loses no
 * target, and a leader failover changes no worker's files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {

    /** Added to every port of the cluster, as ops/test.sh does: all of them stay below 32768. */
    static final int OFFSET = 20000;
    static final String TOKEN = "local-cluster-token";
    static final int TARGETS = 150;
    static final Duration WAIT = Duration.ofSeconds(300);
    /** The worker the runbook takes out (its {@code prom-7}). */
    static final String LEAVING = "w3";

    /** The script stops its ZooKeeper ensemble and every process it started when it is stopped. */
    @RegisterExtension
    static final E2eRun RUN = new E2eRun("local-cluster", Duration.ofSeconds(60));
    private Path root;
    private Path cluster;
    private Processes processes;

    @BeforeAll
    void startTheCluster() throws Exception {
        root = RUN.root();
        cluster = RUN.dir().resolve("cluster");
        processes = RUN.processes();
        processes.start("local-cluster", List.of("bash", root.resolve("ops/local-cluster.sh").toString(),
                "--workers", "3", cluster.toString()), Map.of("PROMSHARD_PORT_OFFSET", String.valueOf(OFFSET)));
        Poll.until("the local cluster to be running", WAIT, Duration.ofMillis(500),
                () -> processes.alive("local-cluster") && log().contains("cluster: running"));
    }

    @Test
    @Order(1)
    void theRunbookTakesAWorkerOutWithoutLosingATarget() throws Exception {
        List<DocBlocks.Block> runbook = DocBlocks.ofKind("cluster").stream()
                .filter(b -> b.place().startsWith("docs/operations.md:")).toList();
        assertFalse(runbook.isEmpty(), "docs/operations.md has no runbook blocks");
        for (DocBlocks.Block block : runbook) {
            runAsWritten(block);
        }
        Set<String> held = new HashSet<>();
        for (String w : List.of("w1", "w2")) {
            held.addAll(targetsIn(w));
        }
        assertEquals(TARGETS, held.size(), "after the runbook's drain and stop, w1 and w2 hold every target");
        Poll.until(LEAVING + " to leave the membership once stopped", Duration.ofSeconds(60), Duration.ofMillis(250),
                () -> workers(1).map(ws -> ws.findValues("id").stream().noneMatch(id -> id.asText().equals(LEAVING)))
                        .orElse(false));
    }

    @Test
    @Order(2)
    void aLeaderFailoverChangesNoWorkersFiles() throws Exception {
        List<String> live = List.of("w1", "w2");
        String leader = leaderId();
        int first = Integer.parseInt(leader.substring("coordinator-".length()));
        int other = 3 - first;
        awaitApplied(first, live);
        Map<String, byte[]> before = files(live);

        stopCoordinator(first);
        Poll.until("coordinator-" + other + " to lead and complete a run", WAIT, Duration.ofMillis(250),
                () -> status(other).path("isLeader").asBoolean() && leaderRuns(other) >= 1);
        awaitApplied(other, live);
        Map<String, byte[]> after = files(live);
        for (String w : live) {
            assertArrayEquals(before.get(w), after.get(w), w + "'s files changed on a failover");
        }
    }

    // ---- the runbook, as written

    /**
     * Runs one block with bash from the checkout, as ops/docs-check.sh runs blocks: {@code promshardctl}
     * is the client jar with both coordinators and the cluster's token, {@code <coordinator>} is
     * 127.0.0.1 and the ports are shifted, {@code prom-7} is w3, and {@code systemctl stop} stops w3's
     * sidecar and Prometheus as their units would.
     */
    private void runAsWritten(DocBlocks.Block block) throws Exception {
        String prelude = """
                set -euo pipefail
                export PROMSHARD_COORDINATOR=http://127.0.0.1:%d,http://127.0.0.1:%d PROMSHARD_TOKEN=%s
                promshardctl() { java -jar '%s' "$@"; }
                systemctl() {
                  [ "$1" = stop ] || { echo "systemctl: only stop is done here" >&2; return 2; }
                  pkill -TERM -f '%s/sidecar.yml' || true
                  pkill -TERM -f '%s/prometheus.yml' || true
                  for _ in $(seq 1 120); do pgrep -f '%s/' >/dev/null || return 0; sleep 0.25; done
                  echo "systemctl: %s's processes did not stop" >&2; return 1
                }
                """.formatted(coordinatorPort(1), coordinatorPort(2), TOKEN,
                root.resolve("client/target/promshardctl.jar"), cluster.resolve(LEAVING), cluster.resolve(LEAVING),
                cluster.resolve(LEAVING), LEAVING);
        String commands = block.text().replace("<coordinator>", "127.0.0.1").replace("prom-7", LEAVING)
                .replaceAll("127\\.0\\.0\\.1:8080(?!\\d)", "127.0.0.1:" + coordinatorPort(1));
        // a file, not bash -c: the stop's pkill -f must not match this script's own command line
        Path script = Files.writeString(cluster.resolveSibling("runbook-" + System.nanoTime() + ".sh"),
                prelude + commands);
        Process p = new ProcessBuilder("bash", script.toString()).directory(root.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), block.place() + " did not finish:\n" + out);
        assertEquals(0, p.exitValue(), block.place() + " failed:\n" + out);
    }

    // ---- the cluster

    private static int coordinatorPort(int n) {
        return 8080 + (n - 1) * 10 + OFFSET;
    }

    private String log() {
        try {
            return Files.readString(processes.get("local-cluster").log());
        } catch (IOException e) {
            return "";
        }
    }

    private Set<String> targetsIn(String worker) throws IOException {
        Set<String> out = new HashSet<>();
        for (TargetGroup g : new FileSdDirectory(cluster.resolve(worker).resolve("sd")).read("node")) {
            out.addAll(g.targets());
        }
        return out;
    }

    private Map<String, byte[]> files(List<String> workers) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        for (String w : workers) {
            out.put(w, Files.readAllBytes(cluster.resolve(w).resolve("sd/node.json")));
        }
        return out;
    }

    /** The leader counts no hand-off and every live sidecar acknowledged its published assignment. */
    private void awaitApplied(int coordinator, List<String> live) {
        Poll.until("every sidecar to apply its assignment", WAIT, Duration.ofMillis(250), () -> {
            JsonNode s = status(coordinator);
            if (!s.path("isLeader").asBoolean() || s.path("handoffs").asInt(-1) != 0) {
                return false;
            }
            Optional<JsonNode> workers = workers(coordinator);
            if (workers.isEmpty() || workers.get().size() != live.size()) {
                return false;
            }
            for (JsonNode w : workers.get()) {
                if (w.path("lagEpochs").asLong(-1) != 0 || w.path("handoffTargets").asInt(-1) != 0) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Stops the coordinator's process as its unit would (SIGTERM) and waits until it is gone. */
    private void stopCoordinator(int n) throws Exception {
        String config = cluster.resolve("coordinator-" + n).resolve("coordinator.yml").toString();
        List<ProcessHandle> found = new ArrayList<>(ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains(config)).orElse(false)).toList());
        assertEquals(1, found.size(), "coordinator-" + n + "'s process");
        found.get(0).destroy();
        found.get(0).onExit().get(60, TimeUnit.SECONDS);
    }

    private String leaderId() {
        String leader = status(1).path("leader").asText("");
        assertTrue(leader.startsWith("coordinator-"), "a leader: " + leader);
        return leader;
    }

    private long leaderRuns(int coordinator) {
        String metrics = Http.get(URI.create("http://127.0.0.1:" + coordinatorPort(coordinator) + "/metrics"));
        return metrics.lines().filter(l -> l.startsWith("promshard_leader_runs_total "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1).trim())).findFirst().orElse(-1);
    }

    private JsonNode status(int coordinator) {
        return Http.json(api(coordinator, "/status"));
    }

    private Optional<JsonNode> workers(int coordinator) {
        JsonNode workers = Http.json(api(coordinator, "/workers"));
        return workers.isArray() ? Optional.of(workers) : Optional.empty();
    }

    private static URI api(int coordinator, String path) {
        return URI.create("http://127.0.0.1:" + coordinatorPort(coordinator) + "/api/v1" + path);
    }
}
