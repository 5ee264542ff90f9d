package io.promshard.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.ZkLayout;
import io.promshard.service.ZooKeeperAuth;
import io.promshard.coordinator.CoordinatorConfiguration;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.JobConfig;
import io.promshard.client.api.TargetGroup;
import io.promshard.sidecar.SidecarConfiguration;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.prometheus.Acknowledger;
import io.promshard.sidecar.registration.WorkerRegistration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With digest authentication, the loop works and nobody else can read or write promshard's znodes. */
class AuthTest {

    @TempDir
    Path tmp;

    private static ZooKeeperAuth auth(String user, String password) {
        ZooKeeperAuth a = new ZooKeeperAuth();
        a.setUsername(user);
        a.setPassword(password);
        a.setCoordinatorDigest(ZooKeeperAuth.digest("coordinator", "c-secret"));
        a.setWorkerDigest(ZooKeeperAuth.digest("worker", "w-secret"));
        return a;
    }

    /** A coordinator authenticated as {@code coordinator}, assigning the static {@code targets} of job node. */
    private record SecureCoordinator(CuratorFramework client, InventoryService inventory, Coordinator coordinator)
            implements AutoCloseable {
        static SecureCoordinator start(String connect, Path tmp, List<String> targets) throws Exception {
            CoordinatorConfiguration config = new CoordinatorConfiguration();
            config.setCoordinatorId("c1");
            config.getZookeeper().setCluster("secure");
            config.getZookeeper().setAuth(auth("coordinator", "c-secret"));
            config.setOutputDirectory(tmp.resolve("out").toString());
            config.getAssignment().setSettleTime(io.dropwizard.util.Duration.milliseconds(100));
            config.getInventory().setJobs(List.of(new JobConfig("node", List.of(),
                    List.of(TargetGroup.of(targets, Map.of())))));
            CuratorFramework client = config.getZookeeper().buildCuratorFramework(connect);
            client.start();
            InventoryService inventory = config.buildInventoryService();
            inventory.start();
            Coordinator coordinator = config.buildCoordinator(client, inventory, "c1");
            coordinator.start();
            return new SecureCoordinator(client, inventory, coordinator);
        }

        @Override
        public void close() throws Exception {
            coordinator.stop();
            inventory.stop();
            client.close();
        }
    }

    @Test
    void authenticatedComponentsWorkAndStrangersAreRefused() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            SidecarConfiguration sidecar = new SidecarConfiguration();
            sidecar.getZookeeper().setConnectString(zk.getConnectString());
            sidecar.getZookeeper().setCluster("secure");
            sidecar.getZookeeper().setAuth(auth("worker", "w-secret"));
            sidecar.getWorker().setId("w1");
            sidecar.setOutputDirectory(tmp.resolve("sd").toString());
            sidecar.getPrometheus().setEnabled(false);
            // the sidecar starts first: it must be able to create what it needs
            CuratorFramework sidecarClient = sidecar.getZookeeper().buildCuratorFramework(zk.getConnectString());
            sidecarClient.start();
            ShareWatcher watcher = sidecar.buildShareWatcher(sidecarClient);
            WorkerRegistration registration = sidecar.buildRegistration(sidecarClient, watcher);
            Acknowledger acknowledger = sidecar.buildAcknowledger(sidecarClient, watcher, null, () -> true);
            watcher.start();
            registration.start();
            acknowledger.start();

            try (SecureCoordinator secure = SecureCoordinator.start(zk.getConnectString(), tmp, List.of("a:1", "b:1", "c:1"))) {
                Coordinator c = secure.coordinator();
                Poll.until("w1 to apply its 3 targets", Duration.ofSeconds(30), () -> watcher.applied().targets() == 3);

                ZkLayout layout = ZkLayout.forCluster("secure");
                try (CuratorFramework stranger = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
                    stranger.start();
                    assertThrows(KeeperException.NoAuthException.class,
                            () -> stranger.getData().forPath(layout.assignment("w1")));
                    assertThrows(KeeperException.NoAuthException.class,
                            () -> stranger.create().forPath(layout.worker("intruder"), new byte[0]));
                    assertThrows(KeeperException.NoAuthException.class,
                            () -> stranger.setData().forPath(layout.state(), new byte[0]));
                }
                // a worker may read assignments but not write them; it writes its own ack and series report
                assertEquals(3, watcher.applied().targets());
                Poll.until("w1's ack", Duration.ofSeconds(30), () -> acknowledger.last() != null);
                assertTrue(sidecarClient.checkExists().forPath(layout.ack("w1")) != null);
                sidecarClient.create().orSetData().creatingParentContainersIfNeeded().forPath(layout.weight("w1"),
                        io.promshard.client.zk.SeriesReportCodec.encode(new io.promshard.client.api.SeriesReport(1, "w1",
                                1, new java.util.TreeMap<>())));
                assertThrows(KeeperException.NoAuthException.class,
                        () -> sidecarClient.setData().forPath(layout.assignment("w1"), new byte[0]));
            } finally {
                acknowledger.stop();
                registration.stop();
                watcher.stop();
                sidecarClient.close();
            }
        }
    }

    /** A sidecar of {@code id} with the shared worker identity and its own, its components started. */
    private record Sidecar(CuratorFramework client, ShareWatcher watcher, WorkerRegistration registration,
                           Acknowledger acknowledger) implements AutoCloseable {
        static Sidecar start(String connect, String id, Path dir) {
            SidecarConfiguration config = new SidecarConfiguration();
            config.getZookeeper().setConnectString(connect);
            config.getZookeeper().setCluster("secure");
            ZooKeeperAuth auth = auth("worker", "w-secret");
            auth.setOwnUsername("worker-" + id);
            auth.setOwnPassword(id + "-secret");
            config.getZookeeper().setAuth(auth);
            config.getWorker().setId(id);
            config.setOutputDirectory(dir.toString());
            config.getPrometheus().setEnabled(false);
            CuratorFramework client = config.getZookeeper().buildCuratorFramework(connect);
            client.start();
            ShareWatcher watcher = config.buildShareWatcher(client);
            WorkerRegistration registration = config.buildRegistration(client, watcher);
            Acknowledger acknowledger = config.buildAcknowledger(client, watcher, null, () -> true);
            watcher.start();
            registration.start();
            acknowledger.start();
            return new Sidecar(client, watcher, registration, acknowledger);
        }

        @Override
        public void close() throws Exception {
            acknowledger.stop();
            registration.stop();
            watcher.stop();
            client.close();
        }
    }

    /**
     * Each sidecar with its own identity besides the shared one: the loop works, and one worker's
     * credential can rewrite or delete none of another worker's znodes (registration, ack, series
     * report), only its own.
     */
    @Test
    void aWorkerWithItsOwnIdentityCannotTouchAnotherWorkersZnodes() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start();
             Sidecar w1 = Sidecar.start(zk.getConnectString(), "w1", tmp.resolve("sd-w1"));
             Sidecar w2 = Sidecar.start(zk.getConnectString(), "w2", tmp.resolve("sd-w2"))) {
            try (SecureCoordinator secure = SecureCoordinator.start(zk.getConnectString(), tmp, List.of("a:1", "b:1", "c:1", "d:1"))) {
                Coordinator c = secure.coordinator();
                Poll.until("both workers holding the 4 targets", Duration.ofSeconds(30),
                        () -> w1.watcher().applied().targets() + w2.watcher().applied().targets() == 4
                                && w1.acknowledger().last() != null && w2.acknowledger().last() != null);
                ZkLayout layout = ZkLayout.forCluster("secure");
                byte[] report = io.promshard.client.zk.SeriesReportCodec.encode(new io.promshard.client.api.SeriesReport(
                        1, "w2", 1, new java.util.TreeMap<>()));
                w2.client().create().orSetData().forPath(layout.weight("w2"), report);
                for (String path : List.of(layout.worker("w2"), layout.ack("w2"), layout.weight("w2"))) {
                    assertThrows(KeeperException.NoAuthException.class,
                            () -> w1.client().setData().forPath(path, new byte[0]), "w1 rewriting " + path);
                    assertThrows(KeeperException.NoAuthException.class,
                            () -> w1.client().delete().forPath(path), "w1 deleting " + path);
                }
                // its own znodes stay its own to write
                w1.client().create().orSetData().forPath(layout.weight("w1"), report);
                w1.client().setData().forPath(layout.worker("w1"), w1.client().getData().forPath(layout.worker("w1")));
                assertEquals(4, w1.watcher().applied().targets() + w2.watcher().applied().targets());
            }
        }
    }
}
