package io.promshard.coordinator.cluster;

import static io.promshard.coordinator.cluster.ClusterHarness.WAIT;
import static io.promshard.coordinator.cluster.ClusterHarness.assignmentOf;
import static io.promshard.coordinator.cluster.ClusterHarness.moved;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.ClusterState;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.client.testing.Poll;
import io.promshard.coordinator.assign.AssignmentInvariants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole loop against a real ZooKeeper (curator-test's in-process server): two coordinators
 * (one leader, one standby) and worker sidecars, each with its own session, writing real files.
 */
class ClusterTest {

    @RegisterExtension
    final ClusterHarness cluster = new ClusterHarness();

    @Test
    void joinLeaveAndFailoverMoveOnlyWhatMust() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        Poll.until("c1 to lead", WAIT, c1.coordinator()::isLeader);
        ClusterHarness.RunningCoordinator c2 = cluster.coordinator("c2");
        for (String id : List.of("w1", "w2", "w3")) {
            cluster.sidecar(id);
        }
        int total = cluster.targetCount;
        Map<String, String> three = cluster.awaitConverged(Set.of("w1", "w2", "w3"));
        assertEquals(total, three.size());

        // a fourth worker joins: it takes about a quarter, nothing moves between the others
        cluster.sidecar("w4");
        Map<String, String> four = cluster.awaitConverged(Set.of("w1", "w2", "w3", "w4"));
        int movedOnJoin = moved(three, four);
        long toW4 = four.values().stream().filter("w4"::equals).count();
        assertEquals(toW4, movedOnJoin, "every moved target must go to the joiner");
        // at most 1.2 times the minimum, a quarter of the targets
        AssignmentInvariants.checkMovement(assignmentOf(three, Set.of("w1", "w2", "w3")),
                assignmentOf(four, Set.of("w1", "w2", "w3", "w4")), total / 4.0, 1.2);
        cluster.checkInvariants(four, Set.of("w1", "w2", "w3", "w4"), Set.of());
        assertTrue(movedOnJoin > 0, "the joiner got nothing");

        // w2 leaves: exactly its targets move; its files stay as they were (fail static)
        long w2Share = four.values().stream().filter("w2"::equals).count();
        byte[] w2Node = Files.readAllBytes(cluster.sidecarDir("w2").resolve("node.json"));
        cluster.leave("w2");
        Map<String, String> afterLeave = cluster.awaitConverged(Set.of("w1", "w3", "w4"));
        assertEquals(w2Share, moved(four, afterLeave), "only w2's targets may move");
        cluster.checkInvariants(afterLeave, Set.of("w1", "w3", "w4"), Set.of());
        assertTrue(Arrays.equals(w2Node, Files.readAllBytes(cluster.sidecarDir("w2").resolve("node.json"))),
                "a departed sidecar's files must not be touched");

        // the leader goes away: the standby takes over and moves nothing, rewrites nothing
        ClusterState stateBefore = cluster.state();
        Map<String, ShareManifest> manifestsBefore = cluster.manifests(Set.of("w1", "w3", "w4"));
        cluster.stop(c1);
        Poll.until("c2 to lead and complete a run", WAIT,
                () -> c2.coordinator().isLeader() && c2.coordinator().leaderRuns() >= 1);
        assertEquals(stateBefore.epoch(), cluster.state().epoch(), "a takeover must not publish a new epoch");
        assertEquals(manifestsBefore, cluster.manifests(Set.of("w1", "w3", "w4")));
        assertEquals(0, moved(afterLeave, cluster.awaitConverged(Set.of("w1", "w3", "w4"))));

        // the new leader still reacts: an inventory change lands in exactly one worker's files
        Files.writeString(cluster.dir().resolve("inventory/api/extra.json"), "[{\"targets\": [\"10.9.9.9:8080\"]}]");
        cluster.targetCount++;
        Map<String, String> withExtra = cluster.awaitConverged(Set.of("w1", "w3", "w4"));
        assertTrue(withExtra.containsKey("api/10.9.9.9:8080"));
        assertEquals(0, moved(afterLeave, withExtra), "adding a target must not move others");
    }

    @Test
    void federationListsTheLiveWorkersPrometheus() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        cluster.sidecar("w1");
        cluster.sidecar("w2");
        cluster.awaitConverged(Set.of("w1", "w2"));
        Path federation = cluster.dir().resolve("output-c1/federation.json");
        Poll.until("federation.json with both workers", WAIT, () -> read(federation).contains("\"w1\"")
                && read(federation).contains("\"w2\""));
        cluster.leave("w1");
        Poll.until("federation.json without w1", WAIT, () -> !read(federation).contains("\"w1\"")
                && read(federation).contains("\"w2\""));
        // the leader's per-worker output mirrors what the sidecars hold
        cluster.awaitConverged(Set.of("w2"));
        FileSdDirectory w2Out = new FileSdDirectory(cluster.dir().resolve("output-c1/w2"));
        Poll.until("leader output for w2", WAIT, () -> {
            Map<String, String> fromOutput = new HashMap<>();
            try {
                for (String job : w2Out.names()) {
                    w2Out.read(job).forEach(g -> g.targets().forEach(t -> fromOutput.put(job + "/" + t, "w2")));
                }
            } catch (IOException e) {
                return false;
            }
            return fromOutput.equals(cluster.sidecars.get("w2").owned());
        });
        assertTrue(c1.coordinator().isLeader());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
