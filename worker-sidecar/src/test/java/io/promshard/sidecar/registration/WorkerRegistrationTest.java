package io.promshard.sidecar.registration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.Json;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.testing.FreezableProxy;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.ZkLayout;
import io.promshard.service.ZooKeeperSettings;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

class WorkerRegistrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void registersEphemerallyReRegistersAfterSessionExpiryAndDeregistersOnClose() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            ZooKeeperSettings settings = new ZooKeeperSettings();
            // long enough that the server cannot time the old session out during the test
            settings.setSessionTimeout(io.dropwizard.util.Duration.seconds(40));
            ZkLayout layout = ZkLayout.forCluster("t");
            try (CuratorFramework client = settings.buildCuratorFramework(zk.getConnectString());
                 CuratorFramework observer = settings.buildCuratorFramework(zk.getConnectString())) {
                client.start();
                observer.start();
                WorkerInfo info = new WorkerInfo(1, "w1", "http://127.0.0.1:9090", "", "z1", 2, WorkerState.ACTIVE, 0, 0);
                WorkerRegistration registration = new WorkerRegistration(client, layout, info, false, () -> true);
                registration.start();
                assertTrue(registration.awaitRegistered(30, TimeUnit.SECONDS));

                Stat stat = observer.checkExists().forPath(layout.worker("w1"));
                long firstOwner = stat.getEphemeralOwner();
                assertEquals(client.getZookeeperClient().getZooKeeper().getSessionId(), firstOwner);
                WorkerInfo registered = Json.mapper().readValue(observer.getData().forPath(layout.worker("w1")),
                        WorkerInfo.class);
                assertEquals(info.withInstance(registration.info().instance()), registered);
                assertTrue(registered.instance().matches(".+/\\d+/[0-9a-f]+"), registered.instance());

                // the client sees its session expire; the server still holds the old one (ZOOKEEPER-2985)
                client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
                Poll.until("the worker znode taken over by the new session within 5 s", Duration.ofSeconds(5), () -> {
                    try {
                        Stat s = observer.checkExists().forPath(layout.worker("w1"));
                        return s != null && s.getEphemeralOwner() != firstOwner
                                && s.getEphemeralOwner() == client.getZookeeperClient().getZooKeeper().getSessionId();
                    } catch (Exception e) {
                        return false;
                    }
                });

                registration.stop();
                assertNull(observer.checkExists().forPath(layout.worker("w1")));
            }
        }
    }

    /**
     * A sidecar stopped while ZooKeeper is unreachable stops at once instead of retrying the delete of
     * its znode for minutes (Curator's PersistentNode deletes through the retry policy); the znode
     * ends with its session once the server is back.
     */
    @Test
    void stoppingWhileZooKeeperIsUnreachableDoesNotWaitForIt() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            stopsWithoutZooKeeper(zk, zk.getConnectString(), () -> {
                zk.stop();
                return true;
            });
        }
    }

    /**
     * The same when ZooKeeper hangs with the connection open: the client still believes it is
     * connected when the stop begins, so the delete is sent and never answered.
     */
    @Test
    void stoppingWhileZooKeeperHangsDoesNotWaitForIt() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start();
             FreezableProxy proxy = new FreezableProxy(zk.getPort())) {
            stopsWithoutZooKeeper(zk, proxy.connectString(), () -> {
                proxy.freeze();
                return false;
            });
        }
    }

    /** Registers through {@code connect}, cuts ZooKeeper off with {@code fault}, then stops and closes. */
    private static void stopsWithoutZooKeeper(TestingServer zk, String connect,
                                              java.util.concurrent.Callable<Boolean> fault) throws Exception {
        ZooKeeperSettings settings = new ZooKeeperSettings();
        settings.setSessionTimeout(io.dropwizard.util.Duration.seconds(6));
        ZkLayout layout = ZkLayout.forCluster("t");
        CuratorFramework client = settings.buildCuratorFramework(connect);
        client.start();
        WorkerRegistration registration = new WorkerRegistration(client, layout,
                new WorkerInfo(1, "w1", "http://127.0.0.1:9090", "", "", 1, WorkerState.ACTIVE, 0, 0), true, () -> true);
        registration.start();
        assertTrue(registration.awaitRegistered(30, TimeUnit.SECONDS));

        boolean serverStopped = fault.call();
        if (serverStopped) {
            Poll.until("the client to notice the server is gone", WAIT, () -> !client.getZookeeperClient().isConnected());
        }
        java.util.concurrent.CompletableFuture<Void> stopped = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                registration.stop();
                client.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // the retry policy would hold a foreground write for minutes; bounded, a hung server costs the
        // LEAVING write and the delete 3 s each and the close its read timeout (2/3 of the 6 s session)
        Poll.until("stop() and close() to return without ZooKeeper", Duration.ofSeconds(20), stopped::isDone);
        stopped.get();

        if (serverStopped) {
            zk.restart();
        }
        try (CuratorFramework observer = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString())) {
            observer.start();
            Poll.until("the znode to end with its session", WAIT, () -> {
                try {
                    return observer.checkExists().forPath(layout.worker("w1")) == null;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    /**
     * Two sidecars started with the same worker id (a copied configuration): the second does not
     * register, acts as no worker, names the holder, and tells the coordinators in {@code conflicts/};
     * the first keeps its znode untouched (they replaced each other's every 2 s). Once the first stops,
     * the second registers.
     */
    @Test
    void aSecondSidecarWithTheSameIdRefusesToRegisterAndSaysWhoHoldsIt() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start()) {
            ZooKeeperSettings settings = new ZooKeeperSettings();
            ZkLayout layout = ZkLayout.forCluster("t");
            try (CuratorFramework first = settings.buildCuratorFramework(zk.getConnectString());
                 CuratorFramework second = settings.buildCuratorFramework(zk.getConnectString());
                 CuratorFramework observer = settings.buildCuratorFramework(zk.getConnectString())) {
                first.start();
                second.start();
                observer.start();
                WorkerInfo info = new WorkerInfo(1, "w1", "http://127.0.0.1:9090", "", "", 1, WorkerState.ACTIVE, 0, 0);
                WorkerRegistration holder = new WorkerRegistration(first, layout, info, false, () -> true);
                holder.start();
                assertTrue(holder.awaitRegistered(30, TimeUnit.SECONDS));
                Stat before = observer.checkExists().forPath(layout.worker("w1"));

                WorkerRegistration copy = new WorkerRegistration(second, layout, info, false, () -> true);
                copy.start();
                Poll.until("the copy to report the conflict", WAIT, () -> copy.conflict() != null);
                assertTrue(copy.conflict().describe().contains(holder.info().instance()), copy.conflict().describe());
                assertFalse(copy.ownsId());
                assertFalse(copy.isRegistered());
                Poll.until("the conflict reported in ZooKeeper", WAIT, () -> {
                    try {
                        return observer.checkExists().forPath(layout.conflict("w1")) != null;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                io.promshard.client.api.WorkerConflict reported = Json.mapper().readValue(
                        observer.getData().forPath(layout.conflict("w1")), io.promshard.client.api.WorkerConflict.class);
                assertEquals(copy.info().instance(), reported.refused());
                assertEquals(holder.info().instance(), reported.holder());
                // several of the copy's rounds (one every 2 s): the holder's znode stays as it was
                for (int round = 0; round < 3; round++) {
                    copy.check();
                    holder.check();
                }
                Stat after = observer.checkExists().forPath(layout.worker("w1"));
                assertEquals(before.getCzxid(), after.getCzxid(), "the holder's znode was replaced");
                assertEquals(first.getZookeeperClient().getZooKeeper().getSessionId(), after.getEphemeralOwner());
                assertEquals(holder.info().instance(), Json.mapper().readValue(
                        observer.getData().forPath(layout.worker("w1")), WorkerInfo.class).instance());
                assertTrue(holder.ownsId());

                holder.stop();
                Poll.until("the copy to register once the holder is gone", WAIT, copy::ownsId);
                assertNull(copy.conflict());
                Poll.until("the conflict report gone", WAIT, () -> {
                    try {
                        return observer.checkExists().forPath(layout.conflict("w1")) == null;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                copy.stop();
                assertNull(observer.checkExists().forPath(layout.worker("w1")));
            }
        }
    }
}
