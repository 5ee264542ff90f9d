package io.promshard.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.ShareManifest;
import io.promshard.client.testing.Poll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What is in ZooKeeper changed behind the leader's back (a znode deleted or overwritten by hand, a
 * commit retried after its reply was lost): the leader goes on publishing, and the epoch never
 * goes below what the published manifests carry.
 */
class PublishRecoveryTest {

    private static final Set<String> THREE = Set.of("w1", "w2", "w3");
    private static final Set<String> TWO = Set.of("w1", "w2");

    @RegisterExtension
    final ClusterHarness cluster = new ClusterHarness();

    private static long highestManifestEpoch(ClusterHarness cluster, Set<String> workers) throws Exception {
        return cluster.manifests(workers).values().stream().mapToLong(ShareManifest::epoch).max().orElseThrow();
    }

    @Test
    void aDeletedStateZnodeDoesNotStopTheLeaderPublishing() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        THREE.forEach(cluster::sidecar);
        cluster.awaitConverged(THREE);
        long before = highestManifestEpoch(cluster, THREE);
        cluster.observer().delete().forPath(cluster.layout.state());
        cluster.crash("w3");
        cluster.awaitConverged(TWO);
        assertTrue(cluster.state().epoch() > before, "epoch " + cluster.state().epoch()
                + " must continue above the manifests' " + before);
        assertTrue(highestManifestEpoch(cluster, TWO) > before);
        assertTrue(c1.coordinator().publishErrors() > 0, "the failed commit must be counted");
    }

    @Test
    void aDeletedManifestIsPublishedAgain() throws Exception {
        cluster.coordinator("c1");
        THREE.forEach(cluster::sidecar);
        cluster.awaitConverged(THREE);
        cluster.observer().delete().deletingChildrenIfNeeded().forPath(cluster.layout.assignment("w2"));
        cluster.crash("w3");
        cluster.awaitConverged(TWO);
    }

    /** No event follows the damage: the leader's audit notices it and publishes what is missing. */
    @Test
    void aManifestOrStateDeletedByHandIsPublishedAgainWithoutAnotherEvent() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        THREE.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(THREE);
        long epoch = cluster.state().epoch();
        cluster.observer().delete().deletingChildrenIfNeeded().forPath(cluster.layout.assignment("w2"));
        assertEquals(before, cluster.awaitConverged(THREE), "w2's manifest published again, nothing moved");
        cluster.observer().delete().forPath(cluster.layout.state());
        Poll.until("the state written again", ClusterHarness.WAIT, () -> {
            try {
                return cluster.observer().checkExists().forPath(cluster.layout.state()) != null;
            } catch (Exception e) {
                return false;
            }
        });
        cluster.observer().setData().forPath(cluster.layout.state(), "{garbage".getBytes(StandardCharsets.UTF_8));
        Poll.until("the state readable again", ClusterHarness.WAIT, () -> {
            try {
                return cluster.state().epoch() > epoch;
            } catch (Exception e) {
                return false;
            }
        });
        assertTrue(cluster.state().epoch() >= highestManifestEpoch(cluster, THREE));
        assertEquals(before, cluster.awaitConverged(THREE));
        assertEquals(0, c1.coordinator().publishErrors(), "healed before any event could fail");
    }

    @Test
    void aDepartedWorkersAssignmentAlreadyGoneDoesNotStopTheLeaderPublishing() throws Exception {
        // what a commit retried after a lost reply meets: its first attempt already deleted the departed znodes
        cluster.coordinator("c1");
        THREE.forEach(cluster::sidecar);
        cluster.awaitConverged(THREE);
        cluster.observer().delete().deletingChildrenIfNeeded().forPath(cluster.layout.assignment("w3"));
        cluster.crash("w3");
        cluster.awaitConverged(TWO);
        assertNull(cluster.observer().checkExists().forPath(cluster.layout.assignment("w3")));
    }

    @Test
    void aCorruptStateNeverTakesTheEpochBelowThePublishedManifests() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        THREE.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(THREE);
        long published = highestManifestEpoch(cluster, THREE);
        cluster.stop(c1);
        cluster.observer().setData().forPath(cluster.layout.state(), "{not json".getBytes(StandardCharsets.UTF_8));
        ClusterHarness.RunningCoordinator c2 = cluster.coordinator("c2");
        Poll.until("c2 to lead", ClusterHarness.WAIT, () -> c2.coordinator().isLeader()
                && c2.coordinator().leaderRuns() > 0);
        assertEquals(before, cluster.awaitConverged(THREE), "a new leader over a corrupt state moves nothing");
        cluster.crash("w3");
        cluster.awaitConverged(TWO);
        assertTrue(cluster.state().epoch() > published, "epoch " + cluster.state().epoch()
                + " must continue above the manifests' " + published);
        for (ShareManifest m : cluster.manifests(TWO).values()) {
            assertTrue(m.epoch() >= published, m.worker() + " went back to epoch " + m.epoch());
        }
    }

    /**
     * The leader's latch znode deleted by hand: Curator's latch does not notice (it believes it still
     * leads), the other coordinator takes over; the fence check finds the znode gone and the former
     * leader enters the election again, so exactly one coordinator leads and publishing goes on.
     */
    @Test
    void aLeaderWhoseLatchZnodeIsDeletedEntersTheElectionAgain() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        THREE.forEach(cluster::sidecar);
        cluster.awaitConverged(THREE);
        ClusterHarness.RunningCoordinator c2 = cluster.coordinator("c2");
        Poll.until("c2 in the election", ClusterHarness.WAIT,
                () -> c1.coordinator().status().coordinators().size() == 2);
        String leaderPath = cluster.layout.leader();
        String first = cluster.observer().getChildren().forPath(leaderPath).stream()
                .min(java.util.Comparator.comparing(n -> n.substring(n.length() - 10))).orElseThrow();
        cluster.observer().delete().forPath(leaderPath + "/" + first);
        cluster.crash("w3");
        cluster.awaitConverged(TWO);
        Poll.until("exactly one coordinator leading", ClusterHarness.WAIT,
                () -> c1.coordinator().isLeader() != c2.coordinator().isLeader());
        Poll.until("both in the election again", ClusterHarness.WAIT,
                () -> c2.coordinator().status().coordinators().size() == 2);
    }

    /**
     * The coordinator's own output directory cannot be written (here a file stands where it should be):
     * publishing goes on, the failures are counted, and the files are written once the directory is back.
     */
    @Test
    void failingFileWritesNeitherStopNorDelayPublishing() throws Exception {
        java.nio.file.Path out = cluster.dir().resolve("blocked-output");
        java.nio.file.Files.writeString(out, "a file where the output directory should be");
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1", c -> c.setOutputDirectory(out.toString()));
        THREE.forEach(cluster::sidecar);
        cluster.awaitConverged(THREE);
        Poll.until("the failed writes counted", ClusterHarness.WAIT, () -> c1.coordinator().outputErrors() > 0);
        long epoch = cluster.state().epoch();
        cluster.crash("w3");
        cluster.awaitConverged(TWO);
        assertTrue(cluster.state().epoch() > epoch, "published while the files cannot be written");
        java.nio.file.Files.delete(out);
        Poll.until("the files written once the directory can be", ClusterHarness.WAIT,
                () -> java.nio.file.Files.exists(out.resolve("federation.json"))
                        && java.nio.file.Files.exists(out.resolve("w1")));
    }
}
