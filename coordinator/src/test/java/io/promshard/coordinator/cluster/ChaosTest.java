package io.promshard.coordinator.cluster;

import static io.promshard.coordinator.cluster.ClusterHarness.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.ShareManifest;
import io.dropwizard.util.Duration;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Seeds;
import io.promshard.coordinator.CoordinatorConfiguration;
import io.promshard.coordinator.drain.Drains;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A seeded random sequence of faults against a 3-server ensemble, coordinators and the sidecars:
 * joins, stops, crashes, session expiries, ZooKeeper server kills, inventory changes, and what an
 * operator or a bad hand does: the {@code state} znode or a manifest deleted or overwritten, drains
 * of every worker sent at once, a second sidecar started with a live worker's id, an inventory file
 * broken and mended, an http_sd endpoint that stalls its answers and resumes, the leading coordinator
 * replaced. The http_sd job runs at replication 2. After every step, once converged, the engine's
 * invariant checker holds on what the sidecars' files say (every target owned by as many live,
 * undrained workers as its replication asks, balanced) and the published
 * state is readable; throughout, a sampler reads every live sidecar's files: none is ever partial or
 * unparsable, and no target is missing from all of them for longer than reassignment delay + settle
 * time + 5 s, counted from the moment its owner's registration is gone from ZooKeeper (at once for
 * a stop, at the end of its session for a crash, or for a stop while the sidecar cannot reach the
 * ensemble), and no published epoch hands off two replicas of an http_sd target at a time.
 */
class ChaosTest {

    private static final long DELAY_MILLIS = 1_000;
    /** The harness's settle time. */
    private static final long SETTLE_MILLIS = 100;
    /** Reassignment delay + settle time + 5 s to compute, publish and apply. */
    private static final long WINDOW_MILLIS = DELAY_MILLIS + SETTLE_MILLIS + 5_000;

    @RegisterExtension
    final ClusterHarness cluster = new ClusterHarness();

    @Test
    void randomFaultsNeverLoseATargetOrAFile() throws Exception {
        long seed = Seeds.seed("randomFaultsNeverLoseATargetOrAFile");
        int steps = Integer.getInteger("promshard.chaosSteps", 30);
        TestingCluster zk = cluster.onEnsemble(3);
        try (StallingHttpSd probes = new StallingHttpSd("probe", 50)) {
            cluster.addJobTargets(probes.targets());
            Chaos chaos = new Chaos(cluster, zk, probes, new Random(seed));
            cluster.awaitPlaced(Set.copyOf(chaos.live), Set.of());
            CoverageSampler sampler = cluster.sampleCoverage(100, WINDOW_MILLIS);
            sampler.checkReplicaHandOffs(key -> key.startsWith(probes.job() + "/"));
            chaos.sampler = sampler;
            try {
                for (int step = 0; step < steps && sampler.violations().isEmpty(); step++) {
                    String what = chaos.step();
                    System.out.println("chaos seed " + seed + " step " + step + ": " + what);
                    // a worker held after a lost session keeps its share while others join: balance is a
                    // property of the settled state, so the check is polled until it holds
                    Poll.until("step " + step + " (" + what + ") converged and balanced", WAIT,
                            () -> cluster.checkPlacement(cluster.awaitPlaced(Set.copyOf(chaos.live),
                                    Set.copyOf(chaos.drained)), chaos.live, chaos.drained) && stateReadable(cluster));
                    chaos.afterConverged();
                }
            } finally {
                sampler.close();
                chaos.close();
            }
            System.out.println("chaos seed " + seed + ": " + sampler.handOffs().epochsChecked()
                    + " published epochs checked, " + sampler.handOffs().replicatedHandOffs()
                    + " hand-offs of replicated targets seen");
            assertTrue(sampler.violations().isEmpty(), "seed " + seed + ": " + sampler.violations());
            assertTrue(sampler.handOffs().epochsChecked() > 0, "no published epoch was read whole to check its hand-offs");
        }
    }

    /** The state of the run and one method per kind of step. */
    private static final class Chaos implements AutoCloseable {

        final ClusterHarness cluster;
        final TestingCluster zk;
        final StallingHttpSd probes;
        final Consumer<CoordinatorConfiguration> config;
        final Random random;
        final Set<String> live = ConcurrentHashMap.newKeySet();
        final Set<String> drained = ConcurrentHashMap.newKeySet();
        /** Watches coverage; told of every worker about to stop or crash. */
        CoverageSampler sampler;
        final List<ClusterHarness.RunningCoordinator> coordinators = new ArrayList<>();
        /** One thread per drain request: they meet at a barrier, however many workers are live. */
        final ExecutorService pool = Executors.newCachedThreadPool();
        int nextWorker = 1;
        int nextCoordinator = 1;
        InstanceSpec down;
        boolean fileBroken;
        TestSidecar duplicate;

        Chaos(ClusterHarness cluster, TestingCluster zk, StallingHttpSd probes, Random random) throws Exception {
            this.cluster = cluster;
            this.zk = zk;
            this.probes = probes;
            this.random = random;
            Consumer<CoordinatorConfiguration> probeJob = ClusterHarness.withHttpSdJob(probes)
                    .andThen(cluster.replication(probes.job(), 2));
            this.config = c -> {
                c.getAssignment().setReassignmentDelay(Duration.milliseconds(DELAY_MILLIS));
                c.getAssignment().setSettleTime(Duration.milliseconds(SETTLE_MILLIS));
                probeJob.accept(c);
            };
            for (int i = 0; i < 2; i++) {
                coordinators.add(cluster.coordinator("c" + nextCoordinator++, config));
            }
            for (int i = 0; i < 4; i++) {
                join();
            }
        }

        String step() throws Exception {
            List<String> ids = new ArrayList<>(live);
            ids.sort(null);
            String someone = ids.get(random.nextInt(ids.size()));
            int roll = random.nextInt(21);
            if (roll < 3 || live.size() < 3) {
                return join();
            } else if (roll < 5) {
                departing(someone);
                cluster.leave(someone);
                return "stop " + someone;
            } else if (roll < 7) {
                return crash(someone);
            } else if (roll < 8) {
                cluster.sidecars.get(someone).curator.getZookeeperClient().getZooKeeper().getTestable()
                        .injectSessionExpiration();
                return "expire the session of " + someone;
            } else if (roll < 10) {
                return killOrRestartAServer();
            } else if (roll < 11) {
                return changeTheInventory();
            } else if (roll < 12) {
                return damageThePublishedState(someone);
            } else if (roll < 13) {
                return drainEveryoneAtOnce();
            } else if (roll < 14) {
                return startADuplicateOf(someone);
            } else if (roll < 15) {
                return breakOrMendAFile();
            } else if (roll < 16) {
                return replaceTheLeader();
            } else if (roll < 17) {
                return stallOrResumeTheHttpSd();
            } else if (roll < 19 && live.size() >= 4) {
                return drainTwo(ids);
            }
            return crashAndJoin(someone);
        }

        /** Undoes what a step left for one step only: drains and the duplicate sidecar. */
        void afterConverged() throws Exception {
            if (duplicate != null) {
                assertTrue(duplicate.owned().isEmpty(), "the duplicate must write no files: " + duplicate.owned());
                duplicate.close();
                duplicate = null;
            }
            if (!drained.isEmpty()) {
                Drains drains = leader().coordinator().drains();
                for (String id : List.copyOf(drained)) {
                    drains.undrain(id);
                }
                drained.clear();
            }
        }

        /** {@code someone} leaves the live set; the sampler's clock for its targets starts once its registration is gone. */
        private void departing(String someone) {
            sampler.departing(someone);
            live.remove(someone);
        }

        private String join() {
            String id = "w" + nextWorker++;
            cluster.sidecar(id);
            live.add(id);
            return "join " + id;
        }

        private String crashAndJoin(String someone) throws Exception {
            return crash(someone) + ", then " + join();
        }

        private String crash(String someone) throws Exception {
            departing(someone);
            cluster.crash(someone);
            return "crash " + someone;
        }

        /** The http_sd endpoint stalls its answers (its last good targets stay in force) or resumes. */
        private String stallOrResumeTheHttpSd() {
            if (probes.isStalled()) {
                probes.resume();
                return "resume the http_sd endpoint";
            }
            probes.stall();
            return "stall the http_sd endpoint";
        }

        private String killOrRestartAServer() throws Exception {
            if (down == null) {
                down = List.copyOf(zk.getInstances()).get(random.nextInt(3));
                zk.killServer(down);
                return "kill ZooKeeper server " + down.getServerId();
            }
            zk.restartServer(down);
            String what = "restart ZooKeeper server " + down.getServerId();
            down = null;
            return what;
        }

        private String changeTheInventory() throws Exception {
            int n = random.nextInt(60);
            if (n == cluster.extraTargets) {
                n = (n + 1) % 60; // a change: the leader has something to publish
            }
            cluster.setExtraTargets(n);
            return "inventory now has " + n + " extra targets";
        }

        /**
         * By hand: the state znode deleted or overwritten, or a live worker's manifest deleted, and no
         * event after it: the leader's audit must notice and publish again (the sidecar of a deleted
         * manifest keeps its files meanwhile).
         */
        private String damageThePublishedState(String someone) throws Exception {
            int which = random.nextInt(3);
            String what;
            if (which == 0) {
                cluster.observer().delete().quietly().forPath(cluster.layout.state());
                what = "delete the state znode";
            } else if (which == 1) {
                cluster.observer().setData().forPath(cluster.layout.state(), "{corrupt".getBytes(StandardCharsets.UTF_8));
                what = "overwrite the state znode with garbage";
            } else {
                cluster.observer().delete().quietly().deletingChildrenIfNeeded().forPath(cluster.layout.assignment(someone));
                what = "delete the manifest of " + someone;
            }
            return what;
        }

        /** Every live worker drained at once through the drains of both coordinators: one must stay undrained. */
        private String drainEveryoneAtOnce() throws Exception {
            List<String> ids = List.copyOf(live);
            Set<String> active = Set.copyOf(ids);
            CyclicBarrier together = new CyclicBarrier(ids.size());
            List<Future<Drains.Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                Drains drains = coordinators.get(i % coordinators.size()).coordinator().drains();
                String id = ids.get(i);
                outcomes.add(pool.submit(() -> {
                    together.await();
                    return drains.drain(id, new byte[0], active);
                }));
            }
            int started = 0;
            for (int i = 0; i < ids.size(); i++) {
                if (outcomes.get(i).get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) == Drains.Outcome.STARTED) {
                    drained.add(ids.get(i));
                    started++;
                }
            }
            assertEquals(ids.size() - 1, started, "drains of " + ids + " at once: exactly one worker stays undrained");
            return "drain all of " + ids + " at once: " + drained + " drained";
        }

        /**
         * Two workers drained one after the other: where they hold both replicas of an http_sd
         * target, the second replica waits for the first one's hand-off (the sampler's check).
         */
        private String drainTwo(List<String> ids) throws Exception {
            List<String> shuffled = new ArrayList<>(ids);
            Collections.shuffle(shuffled, random);
            Drains drains = leader().coordinator().drains();
            Set<String> active = Set.copyOf(ids);
            for (String id : shuffled.subList(0, 2)) {
                assertEquals(Drains.Outcome.STARTED, drains.drain(id, new byte[0], active), "drain " + id);
                drained.add(id);
            }
            return "drain " + shuffled.subList(0, 2);
        }

        /**
         * A second sidecar with {@code someone}'s id, once {@code someone} holds its registration in its
         * current session: while its own znode is gone (a session just expired) the first of the two to
         * register holds the id, and the duplicate is not the one this step means to refuse.
         */
        private String startADuplicateOf(String someone) {
            TestSidecar original = cluster.sidecars.get(someone);
            Poll.until(someone + " to hold its registration in its current session", WAIT, () -> {
                try {
                    Stat held = cluster.observer().checkExists()
                            .forPath(cluster.layout.worker(someone));
                    return original.registration.ownsId() && held != null && held.getEphemeralOwner()
                            == original.curator.getZookeeperClient().getZooKeeper().getSessionId();
                } catch (Exception e) {
                    return false;
                }
            });
            duplicate = new TestSidecar(cluster.connectString(), ClusterHarness.CLUSTER, someone, cluster.sidecarDir(someone).resolveSibling("copy-of-" + someone
                    + "-" + nextWorker));
            return "start a second sidecar with " + someone + "'s id";
        }

        /** A file of the inventory broken (refused, its last good content stays) or mended. */
        private String breakOrMendAFile() throws Exception {
            Path file = cluster.inventoryFile(1);
            if (!fileBroken) {
                ClusterHarness.writeAtomically(file, "- targets: [\"no port\"\n");
                fileBroken = true;
                return "break " + file.getFileName();
            }
            cluster.writeInventoryFile(1);
            fileBroken = false;
            return "mend " + file.getFileName();
        }

        /** The leading coordinator stopped and a new one started (with any broken file as it is now). */
        private String replaceTheLeader() throws Exception {
            ClusterHarness.RunningCoordinator leader = leader();
            String id = leader.coordinator().status().coordinator();
            coordinators.remove(leader);
            cluster.stop(leader);
            String replacement = "c" + nextCoordinator++;
            coordinators.add(cluster.coordinator(replacement, config));
            return "replace leader " + id + " by a new coordinator " + replacement;
        }

        private ClusterHarness.RunningCoordinator leader() {
            Poll.until("a leader among " + coordinators.size() + " coordinators", WAIT,
                    () -> coordinators.stream().anyMatch(c -> c.coordinator().isLeader()));
            return coordinators.stream().filter(c -> c.coordinator().isLeader()).findFirst().orElseThrow();
        }

        @Override
        public void close() throws Exception {
            pool.shutdownNow();
            if (duplicate != null) {
                duplicate.close();
            }
        }
    }

    /** The {@code state} znode decodes, at an epoch no manifest is above. */
    private static boolean stateReadable(ClusterHarness cluster) {
        try {
            long highest = cluster.manifests(Set.copyOf(cluster.sidecars.keySet())).values().stream()
                    .mapToLong(ShareManifest::epoch).max().orElse(0);
            return cluster.state().epoch() >= highest;
        } catch (Exception e) {
            return false;
        }
    }
}
