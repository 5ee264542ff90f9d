package io.promshard.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.ZkLayout;
import io.promshard.client.zk.ZooKeeperAuth;
import io.promshard.client.zk.ZooKeeperSettings;
import io.promshard.coordinator.CoordinatorConfiguration;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.JobConfig;
import io.promshard.client.api.TargetGroup;
import io.promshard.sidecar.SidecarConfiguration;
import io.promshard.sidecar.assignment.AssignmentWatcher;
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
            AssignmentWatcher watcher = sidecar.buildAssignmentWatcher(sidecarClient);
            WorkerRegistration registration = sidecar.buildRegistration(sidecarClient, watcher);
            Acknowledger acknowledger = sidecar.buildAcknowledger(sidecarClient, watcher, null, () -> true);
            watcher.start();
            registration.start();
            acknowledger.start();

            CoordinatorConfiguration coordinator = new CoordinatorConfiguration();
            coordinator.setCoordinatorId("c1");
            coordinator.getZookeeper().setCluster("secure");
            coordinator.getZookeeper().setAuth(auth("coordinator", "c-secret"));
            coordinator.setOutputDirectory(tmp.resolve("out").toString());
            coordinator.getAssignment().setSettleTime(io.dropwizard.util.Duration.milliseconds(100));
            coordinator.getInventory().setJobs(List.of(new JobConfig("node", List.of(),
                    List.of(TargetGroup.of(List.of("a:1", "b:1", "c:1"), Map.of())))));
            CuratorFramework coordinatorClient = coordinator.getZookeeper().buildCuratorFramework(zk.getConnectString());
            coordinatorClient.start();
            InventoryService inventory = coordinator.buildInventoryService();
            inventory.start();
            Coordinator c = coordinator.buildCoordinator(coordinatorClient, inventory, "c1");
            c.start();
            try {
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
                c.stop();
                inventory.stop();
                acknowledger.stop();
                registration.stop();
                watcher.stop();
                coordinatorClient.close();
                sidecarClient.close();
            }
        }
    }
}
