package io.promshard.coordinator.cluster;

import static io.promshard.coordinator.cluster.ClusterHarness.WAIT;
import static io.promshard.coordinator.cluster.ClusterHarness.moved;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.util.Duration;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Faults injected into real ZooKeeper servers and sessions; the outcome each must have. */
class FaultTest {

    private static final Set<String> THREE = Set.of("w1", "w2", "w3");

    @RegisterExtension
    final ClusterHarness cluster = new ClusterHarness();

    private static void expire(CuratorFramework client) throws Exception {
        client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    }

    private Map<String, byte[]> files(ClusterHarness cluster, Set<String> workers) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        for (String w : workers) {
            for (String job : List.of("node", "api")) {
                Path f = cluster.sidecarDir(w).resolve(job + ".json");
                if (Files.exists(f)) {
                    out.put(w + "/" + job, Files.readAllBytes(f));
                }
            }
        }
        return out;
    }

    private static boolean sameBytes(Map<String, byte[]> a, Map<String, byte[]> b) {
        return a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> Arrays.equals(a.get(k), b.get(k)));
    }

    /** A coordinator with the given reassignment delay and sidecars w1-w3, converged. */
    private record Started(ClusterHarness.RunningCoordinator c1, Map<String, String> before, long epoch) {
    }

    private static Started startThree(ClusterHarness cluster, Duration delay) throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1", c -> c.getAssignment().setReassignmentDelay(delay));
        THREE.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(THREE);
        return new Started(c1, before, cluster.state().epoch());
    }

    private static void crashAndAwaitHeld(ClusterHarness cluster, ClusterHarness.RunningCoordinator c1, String id)
            throws Exception {
        cluster.crash(id);
        Poll.until(id + " held by the coordinator", WAIT, () -> c1.coordinator().status().heldWorkers().contains(id));
    }

    @Test
    void aSidecarThatLosesItsSessionAndComesBackWithinTheDelayMovesNothing() throws Exception {
        Started started = startThree(cluster, Duration.seconds(30));
        ClusterHarness.RunningCoordinator c1 = started.c1();
        Map<String, String> before = started.before();
        long epoch = started.epoch();
        Map<String, ShareManifest> manifests = cluster.manifests(THREE);

        crashAndAwaitHeld(cluster, c1, "w2");
        assertEquals(epoch, cluster.state().epoch(), "a lost session's targets wait for the reassignment delay");
        cluster.sidecar("w2");
        Poll.until("w2 back in membership", WAIT,
                () -> c1.coordinator().status().heldWorkers().isEmpty() && c1.coordinator().status().workers() == 3);
        assertEquals(0, moved(before, cluster.awaitConverged(THREE)));
        assertEquals(epoch, cluster.state().epoch(), "nothing may be published for a worker that came back");
        assertEquals(manifests, cluster.manifests(THREE));
    }

    @Test
    void aCrashedSidecarsTargetsWaitForTheReassignmentDelayThenMove() throws Exception {
        Started started = startThree(cluster, Duration.seconds(3));
        ClusterHarness.RunningCoordinator c1 = started.c1();
        Map<String, String> before = started.before();
        long epoch = started.epoch();
        long w3Share = before.values().stream().filter("w3"::equals).count();

        crashAndAwaitHeld(cluster, c1, "w3");
        assertEquals(epoch, cluster.state().epoch(), "a lost session's targets wait for the reassignment delay");
        Map<String, String> after = cluster.awaitConverged(Set.of("w1", "w2"));
        assertEquals(w3Share, moved(before, after), "exactly w3's targets move once the delay is over");
        assertTrue(c1.coordinator().status().heldWorkers().isEmpty());
    }

    @Test
    void aLeaderWhoseSessionExpiresCommitsNothingAndTheAssignmentStays() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1");
        Poll.until("c1 to lead", WAIT, c1.coordinator()::isLeader);
        ClusterHarness.RunningCoordinator c2 = cluster.coordinator("c2");
        THREE.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(THREE);
        long epoch = cluster.state().epoch();
        Map<String, ShareManifest> manifests = cluster.manifests(THREE);
        long runs1 = c1.coordinator().leaderRuns();
        long runs2 = c2.coordinator().leaderRuns();

        expire(c1.curator());
        // the expired session's latch znode lingers until the server times the session out (6 s)
        Poll.until("a leader within the session timeout + 5 s that completed a run", java.time.Duration.ofSeconds(11), () -> {
            boolean l1 = c1.coordinator().isLeader();
            boolean l2 = c2.coordinator().isLeader();
            return (l1 && c1.coordinator().leaderRuns() > runs1) || (l2 && c2.coordinator().leaderRuns() > runs2);
        });
        // a coordinator's belief that it leads may lag; what must never happen is a commit by a
        // coordinator whose latch is not first: the epoch shows every commit
        assertEquals(epoch, cluster.state().epoch(), "a new leader must not publish a new epoch");
        assertEquals(manifests, cluster.manifests(THREE));
        assertEquals(0, moved(before, cluster.awaitConverged(THREE)));
    }

    @Test
    void aRollingRestartOfEverySidecarAndEveryCoordinatorMovesNothing() throws Exception {
        java.util.function.Consumer<io.promshard.coordinator.CoordinatorConfiguration> delay =
                c -> c.getAssignment().setReassignmentDelay(Duration.seconds(30));
        ClusterHarness.RunningCoordinator first = cluster.coordinator("c1", delay);
        Poll.until("c1 to lead", WAIT, first.coordinator()::isLeader);
        ClusterHarness.RunningCoordinator second = cluster.coordinator("c2", delay);
        THREE.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(THREE);
        long epoch = cluster.state().epoch();
        for (String id : List.of("w1", "w2", "w3")) {
            cluster.leave(id); // a plain stop: held for the reassignment delay
            Poll.until(id + " held", WAIT, () -> first.coordinator().status().heldWorkers().contains(id));
            cluster.sidecar(id);
            Poll.until(id + " back", WAIT, () -> first.coordinator().status().heldWorkers().isEmpty()
                    && first.coordinator().status().workers() == 3);
        }
        assertEquals(0, moved(before, cluster.awaitConverged(THREE)));
        cluster.stop(first);
        Poll.until("c2 to lead", WAIT, () -> second.coordinator().isLeader() && second.coordinator().leaderRuns() >= 1);
        ClusterHarness.RunningCoordinator third = cluster.coordinator("c3", delay);
        cluster.stop(second);
        Poll.until("c3 to lead", WAIT, () -> third.coordinator().isLeader() && third.coordinator().leaderRuns() >= 1);
        assertEquals(epoch, cluster.state().epoch(), "restarting every sidecar and coordinator published nothing");
        assertEquals(0, moved(before, cluster.awaitConverged(THREE)));
    }

    @Test
    void aSidecarThatHandsOverOnShutdownReleasesItsTargetsAtOnce() throws Exception {
        cluster.coordinator("c1", c -> c.getAssignment().setReassignmentDelay(Duration.seconds(60)));
        cluster.sidecar("w1");
        cluster.sidecar("w2");
        cluster.sidecar("w3", true);
        Map<String, String> before = cluster.awaitConverged(THREE);
        long w3Share = before.values().stream().filter("w3"::equals).count();
        cluster.leave("w3");
        Map<String, String> after = new TreeMap<>();
        // well inside the 60 s delay: the announced leave is not held
        Poll.until("w3's targets on the others", java.time.Duration.ofSeconds(20), () -> {
            try {
                after.clear();
                cluster.sidecars.values().forEach(s -> after.putAll(s.owned()));
                return after.size() == cluster.targetCount && !after.containsValue("w3");
            } catch (RuntimeException e) {
                return false;
            }
        });
        assertEquals(w3Share, moved(before, cluster.awaitConverged(Set.of("w1", "w2"))));
    }

    /** One server killed: nothing moves. Two killed (quorum lost): every file stays byte-identical; back: nothing moved. */
    @Test
    void serverLossAndQuorumLossMoveNothingAndTouchNoFile() throws Exception {
        long quorumLossMillis = Long.getLong("promshard.quorumLossSeconds", 60) * 1000;
        TestingCluster zk = cluster.onEnsemble(3);
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1",
                c -> c.getAssignment().setReassignmentDelay(Duration.seconds(30)));
        THREE.forEach(cluster::sidecar);
        Map<String, String> before = cluster.awaitConverged(THREE);
        long epoch = cluster.state().epoch();
        Map<String, byte[]> files = files(cluster, THREE);

        List<InstanceSpec> servers = List.copyOf(zk.getInstances());
        zk.killServer(servers.get(0));
        Poll.until("every client connected again", WAIT, () -> c1.curator().getZookeeperClient().isConnected()
                && cluster.sidecars.values().stream().allMatch(s -> s.curator.getZookeeperClient().isConnected()));
        assertEquals(0, moved(before, cluster.awaitConverged(THREE)));
        assertEquals(epoch, cluster.state().epoch());

        zk.killServer(servers.get(1));
        long end = System.currentTimeMillis() + quorumLossMillis;
        while (System.currentTimeMillis() < end) {
            assertTrue(sameBytes(files, files(cluster, THREE)), "a file changed while the quorum was lost");
            Thread.sleep(200); // sampling the files throughout the outage, not waiting for an outcome
        }
        zk.restartServer(servers.get(0));
        zk.restartServer(servers.get(1));
        Poll.until("a leader again", WAIT, c1.coordinator()::isLeader);
        assertEquals(0, moved(before, cluster.awaitConverged(THREE)));
        assertEquals(epoch, cluster.state().epoch(), "no new epoch when membership did not change");
        assertTrue(sameBytes(files, files(cluster, THREE)));
    }

    /**
     * A second sidecar started with a live worker's id (a copied configuration): it does not register
     * and writes no files, the coordinator reports the conflict, and nothing moves.
     */
    @Test
    void aSecondSidecarWithALiveWorkersIdIsReportedAndActsAsNoWorker() throws Exception {
        Started started = startThree(cluster, Duration.seconds(30));
        long epoch = started.epoch();
        try (TestSidecar copy = new TestSidecar(cluster.connectString(), ClusterHarness.CLUSTER, "w2",
                cluster.dir().resolve("sd-copy-of-w2"))) {
            Poll.until("the coordinator to report w2 claimed twice", WAIT,
                    () -> started.c1().coordinator().status().workerConflicts().containsKey("w2"));
            String conflict = started.c1().coordinator().status().workerConflicts().get("w2");
            assertTrue(conflict.contains(cluster.sidecars.get("w2").registration.info().instance()), conflict);
            assertTrue(copy.owned().isEmpty(), "the copy must write no files: " + copy.owned());
            assertEquals(started.before(), cluster.awaitConverged(THREE));
            assertEquals(epoch, cluster.state().epoch(), "nothing was published for the copy");
        }
        Poll.until("the conflict gone with the copy", WAIT,
                () -> started.c1().coordinator().status().workerConflicts().isEmpty());
    }

    /**
     * A sidecar restarted while its Prometheus is starting registers UNREADY for a moment: within the
     * reassignment delay the worker stays held (keeps its targets) instead of being withdrawn, so the
     * restart moves nothing, without or with the moment (its targets moved away without a hand-off).
     */
    @Test
    void aSidecarRestartedUnreadyWithinTheDelayKeepsItsTargets() throws Exception {
        Started started = startThree(cluster, Duration.seconds(30));
        ClusterHarness.RunningCoordinator c1 = started.c1();
        for (int restart = 0; restart < 3; restart++) {
            crashAndAwaitHeld(cluster, c1, "w2");
            long runs = c1.coordinator().leaderRuns();
            TestSidecar back = new TestSidecar(cluster.connectString(), ClusterHarness.CLUSTER, "w2",
                    cluster.sidecarDir("w2"), false, io.promshard.client.api.WorkerState.UNREADY);
            cluster.sidecars.put("w2", back);
            Poll.until("the coordinator to see w2 back UNREADY and run", WAIT, () ->
                    c1.coordinator().membership().snapshot().containsKey("w2")
                            && c1.coordinator().membership().snapshot().get("w2").state()
                            == io.promshard.client.api.WorkerState.UNREADY
                            && c1.coordinator().leaderRuns() > runs);
            assertTrue(c1.coordinator().status().heldWorkers().contains("w2"), "w2 back UNREADY is held");
            assertEquals(started.before(), cluster.awaitConverged(THREE), "restart " + restart + ": nothing moves");
            back.announce(io.promshard.client.api.WorkerState.ACTIVE);
            Poll.until("w2 ACTIVE and no longer held", WAIT,
                    () -> !c1.coordinator().status().heldWorkers().contains("w2"));
            assertEquals(started.before(), cluster.awaitConverged(THREE));
        }
        assertEquals(started.epoch(), cluster.state().epoch(), "three restarts published nothing");
    }
}
