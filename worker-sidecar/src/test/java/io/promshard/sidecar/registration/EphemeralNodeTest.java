package io.promshard.sidecar.registration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.service.ZooKeeperSettings;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;

class EphemeralNodeTest {

    private static final int ROUNDS = 40;

    /**
     * A registration closed right after it took over its own znode: the node's start writes its data
     * in the background, after the close has read the znode's version, so a delete guarded by that
     * version was refused and the znode outlived the stop until the session ended (a flaky
     * WorkerRegistrationTest found it). Every round must leave nothing behind.
     */
    @Test
    void aNodeClosedWhileItsStartStillWritesIsDeleted() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start();
             CuratorFramework client = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString())) {
            client.start();
            for (int round = 0; round < ROUNDS; round++) {
                String path = "/workers/w" + round;
                // as IdClaim does: the znode is created first, then kept by the node (which finds it and sets its data)
                client.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                        .forPath(path, "created".getBytes(StandardCharsets.UTF_8));
                EphemeralNode node = new EphemeralNode(client, path, "kept".getBytes(StandardCharsets.UTF_8));
                node.start();
                node.close();
                assertNull(client.checkExists().forPath(path), "round " + round + ": the znode outlived the close");
            }
        }
    }

    /** The close deletes only this session's znode: one another session holds at the path is left to it. */
    @Test
    void aNodeClosedLeavesAnotherSessionsZnode() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start();
             CuratorFramework client = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString());
             CuratorFramework other = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString())) {
            client.start();
            other.start();
            other.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL).forPath("/workers/w1");
            long otherSession = other.getZookeeperClient().getZooKeeper().getSessionId();
            EphemeralNode node = new EphemeralNode(client, "/workers/w1", "mine".getBytes(StandardCharsets.UTF_8));
            node.start();
            assertTrue(node.waitForInitialCreate(30, TimeUnit.SECONDS));
            node.close();
            assertNotNull(client.checkExists().forPath("/workers/w1"));
            assertEquals(otherSession, client.checkExists().forPath("/workers/w1").getEphemeralOwner());
        }
    }
}
