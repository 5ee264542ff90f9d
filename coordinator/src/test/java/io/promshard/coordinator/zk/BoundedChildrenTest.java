package io.promshard.coordinator.zk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.service.ZooKeeperSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BoundedChildren} against a real ZooKeeper: a parent flooded with children, an oversized
 * child and a parent over its total are refused with the path and the reason, the last good children
 * stay, and what is refused is read once it fits again; an expired session is read again in full.
 */
class BoundedChildrenTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PARENT = "/promshard/test/children";

    private TestingServer zk;
    private CuratorFramework reader;
    private CuratorFramework writer;

    @BeforeEach
    void start() throws Exception {
        zk = LoopbackZooKeeper.start();
        reader = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString());
        writer = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString());
        reader.start();
        writer.start();
        writer.create().creatingParentsIfNeeded().forPath(PARENT);
    }

    @AfterEach
    void stop() throws Exception {
        writer.close();
        reader.close();
        zk.close();
    }

    @Test
    void aParentWithTooManyChildrenAddsNoneAndKeepsWhatItHad() throws Exception {
        for (int i = 0; i < 5; i++) {
            put("w" + i, "registration " + i);
        }
        try (BoundedChildren children = new BoundedChildren(reader, PARENT, new BoundedChildren.Limits(5, 1024, 1 << 20))) {
            children.start();
            Poll.until("5 children read", WAIT, () -> children.isInitialized() && children.current().size() == 5);
            for (int i = 5; i < 8; i++) {
                put("w" + i, "flood " + i);
            }
            Poll.until("the parent refused", WAIT, () -> ("8 children, more than the limit of 5; none is added"
                    + " until there are fewer").equals(children.refusals().get(PARENT)));
            assertEquals(List.of("w0", "w1", "w2", "w3", "w4"), List.copyOf(children.current().keySet()));
            for (int i = 0; i < 4; i++) {
                writer.delete().forPath(PARENT + "/w" + i);
            }
            Poll.until("the remaining 4 read", WAIT, () -> children.current().keySet().equals(
                    java.util.Set.of("w4", "w5", "w6", "w7")));
            assertTrue(children.refusals().isEmpty(), children.refusals().toString());
        }
    }

    @Test
    void anOversizedChildIsRefusedWithItsPathAndKeepsItsLastGoodData() throws Exception {
        put("w0", "small");
        try (BoundedChildren children = new BoundedChildren(reader, PARENT, new BoundedChildren.Limits(10, 100, 1 << 20))) {
            List<CuratorCacheListener.Type> events = new CopyOnWriteArrayList<>();
            children.addListener((type, before, after) -> events.add(type));
            children.start();
            Poll.until("w0 read", WAIT, () -> children.current().containsKey("w0"));
            writer.setData().forPath(PARENT + "/w0", new byte[101]);
            put("w1", "x".repeat(500));
            Poll.until("both refused", WAIT, () -> children.refusals().size() == 2);
            assertEquals("101 bytes, more than the limit of 100; its last good data stays",
                    children.refusals().get(PARENT + "/w0"));
            assertEquals("500 bytes, more than the limit of 100", children.refusals().get(PARENT + "/w1"));
            assertArrayEquals(bytes("small"), children.current().get("w0").getData());
            assertEquals(List.of("w0"), List.copyOf(children.current().keySet()));
            writer.setData().forPath(PARENT + "/w1", bytes("fits now"));
            Poll.until("w1 read once it fits", WAIT, () -> children.current().containsKey("w1"));
            assertEquals(List.of(PARENT + "/w0"), List.copyOf(children.refusals().keySet()));
            Poll.until("created and changed events only for what was kept", WAIT,
                    () -> events.equals(List.of(CuratorCacheListener.Type.NODE_CREATED, CuratorCacheListener.Type.NODE_CREATED)));
        }
    }

    @Test
    void theChildrenTogetherAreBounded() throws Exception {
        try (BoundedChildren children = new BoundedChildren(reader, PARENT, new BoundedChildren.Limits(100, 100, 250))) {
            children.start();
            for (int i = 0; i < 3; i++) {
                put("w" + i, "x".repeat(100));
            }
            Poll.until("one refused", WAIT, () -> children.current().size() == 2 && children.refusals().size() == 1);
            String refusedPath = children.refusals().firstKey();
            assertEquals("the children of " + PARENT + " would hold more than 250 bytes in all",
                    children.refusals().get(refusedPath));
            writer.delete().forPath(PARENT + "/" + children.current().firstKey());
            writer.setData().forPath(refusedPath, bytes("x".repeat(100)));
            Poll.until("read once the total fits", WAIT,
                    () -> children.current().size() == 2 && children.refusals().isEmpty());
        }
    }

    @Test
    void aChangeAfterAnExpiredSessionIsSeen() throws Exception {
        put("w0", "before");
        try (BoundedChildren children = new BoundedChildren(reader, PARENT, BoundedChildren.Limits.SMALL_RECORDS)) {
            children.start();
            Poll.until("w0 read", WAIT, () -> children.current().containsKey("w0"));
            long session = reader.getZookeeperClient().getZooKeeper().getSessionId();
            reader.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
            Poll.until("a new session", WAIT, () -> {
                try {
                    return reader.getZookeeperClient().isConnected()
                            && reader.getZookeeperClient().getZooKeeper().getSessionId() != session;
                } catch (Exception e) {
                    return false;
                }
            });
            writer.setData().forPath(PARENT + "/w0", bytes("after"));
            put("w1", "new");
            Poll.until("both changes read on the new session", WAIT, () -> children.current().containsKey("w1")
                    && new String(children.current().get("w0").getData(), StandardCharsets.UTF_8).equals("after"));
        }
    }

    private void put(String name, String data) throws Exception {
        writer.create().forPath(PARENT + "/" + name, bytes(data));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
