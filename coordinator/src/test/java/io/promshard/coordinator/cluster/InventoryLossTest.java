package io.promshard.coordinator.cluster;

import static io.promshard.coordinator.cluster.ClusterHarness.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Losing inventory never silently unscrapes targets: a source refused when a coordinator first reads
 * it keeps the content a previous coordinator accepted (kept in ZooKeeper), and an inventory that
 * lost more than {@code assignment.maxTargetDrop} of the targets in force is not published until an
 * operator confirms it.
 */
class InventoryLossTest {

    private static final Set<String> TWO = Set.of("w1", "w2");

    @RegisterExtension
    final ClusterHarness cluster = new ClusterHarness();

    @Test
    void aCoordinatorRestartedWhileAFileIsBrokenKeepsItsLastGoodContent() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        TWO.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(TWO);
        long epoch = cluster.state().epoch();
        cluster.stop(c1);
        Path broken = cluster.dir().resolve("inventory/node/f0.yml");
        Files.writeString(broken, "- targets: [\"no port at all\"\n");

        ClusterHarness.RunningCoordinator c2 = cluster.coordinator("c2");
        Poll.until("c2 to lead and run", WAIT, () -> c2.coordinator().isLeader() && c2.coordinator().leaderRuns() > 0);
        assertEquals(cluster.targetCount, c2.inventory().current().targetCount(),
                "f0.yml's 150 targets come from ZooKeeper");
        assertTrue(c2.inventory().errors().containsKey(broken.toString()), c2.inventory().errors().toString());
        assertEquals(before, cluster.awaitConverged(TWO), "nothing moves, nothing is dropped");
        assertEquals(epoch, cluster.state().epoch());
    }

    /**
     * A coordinator taking over while an http_sd endpoint stalls its answers starts from the answer kept
     * in ZooKeeper at once: the stalled poll (refused only at its 30 s deadline) holds up neither its
     * readiness nor the events it must publish. Before, the new leader published nothing until then.
     */
    @Test
    void aLeaderTakingOverWhileAnHttpSdEndpointStallsPublishesAtOnce() throws Exception {
        try (StallingHttpSd probes = new StallingHttpSd("probe", 20)) {
            cluster.addJobTargets(probes.targets());
            ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1", ClusterHarness.withHttpSdJob(probes));
            Set<String> three = Set.of("w1", "w2", "w3");
            three.forEach(cluster::sidecar);
            cluster.awaitConverged(three);
            probes.stall();
            cluster.stop(c1);
            ClusterHarness.RunningCoordinator c2 = cluster.coordinator("c2", ClusterHarness.withHttpSdJob(probes));
            cluster.leave("w3");
            cluster.awaitConverged(TWO); // every target, the probes included, on the two left
            assertTrue(c2.coordinator().isLeader());
            assertEquals(0, c2.inventory().totalRefusals(),
                    "published while the stalled poll was still waiting for its 30 s deadline");
        }
    }

    @Test
    void anInventoryThatLostMostTargetsIsHeldUntilTheDropIsConfirmed() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1",
                c -> c.getAssignment().setMaxTargetDrop(0.3));
        TWO.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(TWO);
        long epoch = cluster.state().epoch();

        Files.delete(cluster.dir().resolve("inventory/api/web.json")); // 200 of the 500 targets: 40% > 30%
        Poll.until("the publish held", WAIT, () -> !c1.coordinator().status().publishHeld().isEmpty());
        String reason = c1.coordinator().status().publishHeld();
        assertTrue(reason.contains("lost 200 of the 500 targets"), reason);
        assertEquals(before, cluster.awaitConverged(TWO), "the published assignment stays in force");
        assertEquals(epoch, cluster.state().epoch());

        // a new leader holds the same drop: the published assignment stays in force across leaders
        ClusterHarness.RunningCoordinator c2 = cluster.coordinator("c2", c -> c.getAssignment().setMaxTargetDrop(0.3));
        cluster.stop(c1);
        Poll.until("c2 to lead and hold the drop", WAIT, () -> c2.coordinator().isLeader()
                && !c2.coordinator().status().publishHeld().isEmpty());
        assertEquals(before, cluster.awaitConverged(TWO));
        assertEquals(epoch, cluster.state().epoch());

        assertTrue(c2.coordinator().confirmDrop());
        cluster.targetCount = 300;
        cluster.awaitConverged(TWO);
        Poll.until("the hold released", WAIT, () -> c2.coordinator().status().publishHeld().isEmpty());
        assertFalse(c2.coordinator().confirmDrop(), "nothing left to confirm");
    }
}
