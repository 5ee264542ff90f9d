package io.promshard.sidecar.assignment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ZkLayout;
import io.promshard.service.ZooKeeperSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar's watcher against a real ZooKeeper, with assignments written as the leader writes them. */
class ShareWatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private TestingServer zk;
    private CuratorFramework sidecarClient;
    private CuratorFramework leaderClient;
    private ShareWatcher watcher;
    private final ZkLayout layout = ZkLayout.forCluster("t");
    /** What the sidecar inflates at most here: 16 MiB (a sidecar's default is a quarter of its heap). */
    private static final long LIMIT = 16 << 20;
    private final ShareCodec codec = new ShareCodec(1024, LIMIT);

    @BeforeEach
    void start() throws Exception {
        zk = LoopbackZooKeeper.start();
        ZooKeeperSettings settings = new ZooKeeperSettings();
        settings.setSessionTimeout(io.dropwizard.util.Duration.seconds(5));
        sidecarClient = settings.buildCuratorFramework(zk.getConnectString());
        leaderClient = settings.buildCuratorFramework(zk.getConnectString());
        sidecarClient.start();
        leaderClient.start();
        watcher = new ShareWatcher(sidecarClient, layout, "w1", codec, new FileSdDirectory(tmp.resolve("sd")));
        watcher.start();
    }

    @AfterEach
    void stop() throws Exception {
        watcher.stop();
        sidecarClient.close();
        leaderClient.close();
        zk.close();
    }

    private static Share share(Map<String, List<String>> jobs) {
        TreeMap<String, List<TargetGroup>> groups = new TreeMap<>();
        jobs.forEach((job, targets) -> groups.put(job, List.of(TargetGroup.of(targets, Map.of("job_label", job)))));
        return new Share(1, "w1", groups);
    }

    /** As the publisher does: chunks first, then the manifest. */
    private void publish(Share share, long epoch) throws Exception {
        ShareCodec.Encoded e = codec.encode(share, epoch);
        String node = layout.assignment("w1");
        if (leaderClient.checkExists().forPath(node) == null) {
            leaderClient.create().creatingParentsIfNeeded().forPath(node, new byte[0]);
        }
        for (int i = 0; i < e.chunks().size(); i++) {
            String chunk = layout.chunk("w1", e.manifest().chunkName(i));
            if (leaderClient.checkExists().forPath(chunk) == null) {
                leaderClient.create().forPath(chunk, e.chunks().get(i));
            }
        }
        leaderClient.setData().forPath(node, ShareCodec.encodeManifest(e.manifest()));
    }

    private void awaitEpoch(long epoch) {
        Poll.until("epoch " + epoch + " applied", WAIT, () -> watcher.applied().epoch() == epoch);
    }

    @Test
    void appliesEachNewAssignmentAndEmptiesJobsNoLongerAssigned() throws Exception {
        publish(share(Map.of("node", List.of("a:1", "b:1"), "api", List.of("c:1"))), 1);
        awaitEpoch(1);
        FileSdDirectory files = watcher.directory();
        assertEquals(List.of("api", "node"), files.names());
        assertEquals(List.of("a:1", "b:1"), files.read("node").get(0).targets());
        assertEquals(3, watcher.applied().targets());
        assertEquals(1, watcher.applyDurations().count(), "the apply time of each share applied is observed");

        publish(share(Map.of("node", List.of("a:1", "d:1"))), 2);
        awaitEpoch(2);
        // emptied, not deleted: vmagent keeps the targets of a file it can no longer read
        assertEquals(List.of("api", "node"), files.names());
        assertEquals(List.of(), files.read("api"));
        assertEquals(List.of("a:1", "d:1"), files.read("node").get(0).targets());
    }

    @Test
    void largeAssignmentsArriveWholeAcrossManyChunks() throws Exception {
        List<String> targets = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            targets.add("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255) + ":9100");
        }
        publish(share(Map.of("node", targets)), 1);
        awaitEpoch(1);
        assertEquals(targets, watcher.directory().read("node").get(0).targets());
    }

    @Test
    void aCorruptAssignmentLeavesTheFilesAndTheNextValidOneIsApplied() throws Exception {
        publish(share(Map.of("node", List.of("a:1"))), 1);
        awaitEpoch(1);
        byte[] before = Files.readAllBytes(tmp.resolve("sd/node.json"));

        leaderClient.setData().forPath(layout.assignment("w1"), "{\"version\": 9}".getBytes());
        Poll.until("the corrupt manifest to be refused", WAIT, () -> watcher.applied().errors() == 1);
        assertTrue(watcher.applied().lastError().contains("version 9"), watcher.applied().lastError());
        assertArrayEquals(before, Files.readAllBytes(tmp.resolve("sd/node.json")));
        assertEquals(1, watcher.applied().epoch());

        publish(share(Map.of("node", List.of("b:1"))), 2);
        awaitEpoch(2);
        assertEquals(List.of("b:1"), watcher.directory().read("node").get(0).targets());
    }

    @Test
    void failStaticWhenTheAssignmentIsDeletedOrZooKeeperIsGone() throws Exception {
        publish(share(Map.of("node", List.of("a:1"))), 1);
        awaitEpoch(1);
        byte[] before = Files.readAllBytes(tmp.resolve("sd/node.json"));

        leaderClient.delete().deletingChildrenIfNeeded().forPath(layout.assignment("w1"));
        zk.stop();
        Poll.until("the sidecar to notice ZooKeeper is gone", WAIT,
                () -> !sidecarClient.getZookeeperClient().isConnected());
        assertArrayEquals(before, Files.readAllBytes(tmp.resolve("sd/node.json")));
        assertEquals(List.of("node"), watcher.directory().names());

        zk.restart();
        publish(share(Map.of("node", List.of("a:1", "e:1"))), 2);
        awaitEpoch(2);
        assertEquals(List.of("a:1", "e:1"), watcher.directory().read("node").get(0).targets());
    }

    private static byte[] gzip(byte[] data) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    private void writeManifest(int chunkCount, String sha) throws Exception {
        leaderClient.setData().forPath(layout.assignment("w1"), ("{\"version\": 1, \"worker\": \"w1\", \"epoch\": 5,"
                + " \"jobs\": [\"node\"], \"targetCount\": 1, \"chunkCount\": " + chunkCount + ", \"sha256\": \""
                + sha + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Hostile or corrupt znodes are refused before they are allocated or inflated, naming the path and
     * the reason: a chunk count of two billion, a gzip bomb, chunks that hold more than the limit
     * together. The files stay and the next valid version is applied.
     */
    @Test
    void oversizedAssignmentsAreRefusedBeforeTheyAreAllocated() throws Exception {
        publish(share(Map.of("node", List.of("a:1"))), 1);
        awaitEpoch(1);
        byte[] before = Files.readAllBytes(tmp.resolve("sd/node.json"));
        String sha = "ab".repeat(32);

        writeManifest(2_000_000_000, sha);
        Poll.until("the chunk count refused", WAIT, () -> watcher.applied().errors() == 1);
        assertTrue(watcher.applied().lastError().contains("chunk count 2000000000 is above the limit"),
                watcher.applied().lastError());

        byte[] bomb = gzip(new byte[(int) (4 * LIMIT)]); // 64 MiB of zeros in some 64 KiB
        leaderClient.create().forPath(layout.chunk("w1", sha.substring(0, 16) + "-0"), bomb);
        writeManifest(1, sha);
        Poll.until("the gzip bomb refused", WAIT, () -> watcher.applied().errors() == 2);
        assertTrue(watcher.applied().lastError().contains("more than the limit of " + LIMIT),
                watcher.applied().lastError());

        byte[] noise = new byte[900 * 1024];
        new java.util.Random(7).nextBytes(noise);
        String many = "cd".repeat(32);
        for (int i = 0; i < 20; i++) {
            leaderClient.create().forPath(layout.chunk("w1", many.substring(0, 16) + "-" + i), noise);
        }
        writeManifest(20, many);
        Poll.until("chunks above the limit refused", WAIT, () -> watcher.applied().errors() == 3);
        assertTrue(watcher.applied().lastError().contains("chunks hold more than the limit")
                && watcher.applied().lastError().contains(layout.assignment("w1")), watcher.applied().lastError());

        assertArrayEquals(before, Files.readAllBytes(tmp.resolve("sd/node.json")));
        assertEquals(1, watcher.applied().epoch());
        publish(share(Map.of("node", List.of("b:1"))), 6);
        awaitEpoch(6);
        assertEquals(List.of("b:1"), watcher.directory().read("node").get(0).targets());
    }

    /** Files that cannot be written: each failed attempt is counted in the status with its reason, and retried. */
    @Test
    void aFailingWriteShowsInTheStatusAndIsRetried() throws Exception {
        publish(share(Map.of("node", List.of("a:1"))), 1);
        awaitEpoch(1);
        Path dir = tmp.resolve("sd");
        Path aside = tmp.resolve("sd-aside");
        Files.move(dir, aside);
        Files.writeString(dir, "not a directory"); // as root, permissions cannot make it unwritable
        publish(share(Map.of("node", List.of("b:1"))), 2);
        Poll.until("the failing write counted", WAIT, () -> watcher.applied().errors() >= 2);
        assertTrue(watcher.applied().lastError().contains("cannot write the file_sd files in " + dir),
                watcher.applied().lastError());
        assertTrue(watcher.writeErrors() >= 2);
        assertEquals(1, watcher.applied().epoch());
        Files.delete(dir);
        Files.move(aside, dir);
        awaitEpoch(2);
        assertEquals(List.of("b:1"), watcher.directory().read("node").get(0).targets());
    }
}
