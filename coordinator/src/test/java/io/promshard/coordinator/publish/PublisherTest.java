package io.promshard.coordinator.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Seeds;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.ZkLayout;
import io.promshard.service.ZooKeeperSettings;
import io.promshard.sidecar.assignment.ShareWatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublisherTest {

    @TempDir
    Path tmp;

    private TestingServer zk;
    private CuratorFramework leader;
    private CuratorFramework other;
    private final ZkLayout layout = ZkLayout.forCluster("pub");

    @BeforeEach
    void start() throws Exception {
        zk = LoopbackZooKeeper.startWithoutFsync();
        leader = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString());
        other = new ZooKeeperSettings().buildCuratorFramework(zk.getConnectString());
        leader.start();
        other.start();
    }

    @AfterEach
    void stop() throws Exception {
        leader.close();
        other.close();
        zk.close();
    }

    private String latch(CuratorFramework owner) throws Exception {
        return owner.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                .forPath(layout.leader() + "/latch-");
    }

    private static Share share(String worker, List<String> targets) {
        return new Share(1, worker, new TreeMap<>(Map.of("node", List.of(TargetGroup.of(targets, Map.of())))));
    }

    @Test
    void aFenceThatIsGoneOrNotOursCommitsNothing() throws Exception {
        Publisher publisher = new Publisher(leader, layout, new ShareCodec(), "c1");
        publisher.load();
        Map<String, Share> shares = Map.of("w1", share("w1", List.of("a:1")));
        String othersLatch = latch(other);
        FencedOutException notOurs = assertThrows(FencedOutException.class,
                () -> publisher.publish(shares, othersLatch, "", "", List.of()));
        assertTrue(notOurs.getMessage().contains("belongs to session"), notOurs.getMessage());
        String ours = latch(leader);
        FencedOutException notFirst = assertThrows(FencedOutException.class,
                () -> publisher.publish(shares, ours, "", "", List.of()));
        assertTrue(notFirst.getMessage().contains("is not first in the election"), notFirst.getMessage());
        other.delete().forPath(othersLatch);
        leader.delete().forPath(ours);
        assertThrows(FencedOutException.class, () -> publisher.publish(shares, ours, "", "", List.of()));
        assertNull(leader.checkExists().forPath(layout.state()), "no epoch may be committed");
        assertEquals(0, publisher.epoch());
    }

    @Test
    void onlyChangedWorkersAreRewrittenAndOldChunksRemoved() throws Exception {
        Publisher publisher = new Publisher(leader, layout, new ShareCodec(1024), "c1");
        publisher.load();
        String fence = latch(leader);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            many.add("10.0." + (i / 250) + "." + (i % 250) + ":9100");
        }
        PublishResult first = publisher.publish(Map.of("w1", share("w1", many), "w2", share("w2", List.of("b:1"))),
                fence, "", "", List.of());
        assertEquals(List.of("w1", "w2"), first.changedWorkers());
        int w1Chunks = leader.getChildren().forPath(layout.assignment("w1")).size();
        assertTrue(w1Chunks > 1, "expected several chunks, got " + w1Chunks);
        PublishResult second = publisher.publish(Map.of("w1", share("w1", many.subList(0, 1000)),
                "w2", share("w2", List.of("b:1"))), fence, "", "", List.of());
        assertEquals(List.of("w1"), second.changedWorkers());
        assertEquals(first.epoch() + 1, second.epoch());
        String prefix = publisher.published().get("w1").sha256().substring(0, 16);
        assertTrue(leader.getChildren().forPath(layout.assignment("w1")).stream().allMatch(c -> c.startsWith(prefix)),
                "chunks of the old version must be removed");
        PublishResult third = publisher.publish(Map.of("w2", share("w2", List.of("b:1"))), fence, "", "", List.of());
        assertEquals(List.of("w1"), third.removedWorkers());
        assertNull(leader.checkExists().forPath(layout.assignment("w1")));
    }

    @Test
    void aSmallChangeIsWrittenAsADeltaThatReadersResolveAndANewLeaderContinues() throws Exception {
        Publisher publisher = new Publisher(leader, layout, new ShareCodec(), "c1");
        publisher.load();
        String fence = latch(leader);
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            targets.add("10.1." + (i / 250) + "." + (i % 250) + ":9100");
        }
        PublishResult whole = publisher.publish(Map.of("w1", share("w1", targets)), fence, "", "", List.of());
        ShareManifest base = publisher.published().get("w1");
        assertEquals(ShareManifest.FORMAT, base.version());

        List<String> fewer = new ArrayList<>(targets.subList(10, targets.size()));
        fewer.add("10.9.9.9:9100");
        PublishResult small = publisher.publish(Map.of("w1", share("w1", fewer)), fence, "", "", List.of());
        ShareManifest delta = publisher.published().get("w1");
        assertEquals(ShareManifest.DELTA_FORMAT, delta.version());
        assertEquals(base.sha256(), delta.delta().base());
        assertNotNull(delta.delta().inline(), "11 targets travel inside the manifest");
        assertEquals(Set.copyOf(base.chunkNames()), Set.copyOf(delta.chunkNames()));
        assertTrue(small.bytesWritten() * 20 < whole.bytesWritten(),
                "a delta of 11 targets wrote " + small.bytesWritten() + " bytes, the whole share " + whole.bytesWritten());
        assertEquals(Set.copyOf(delta.chunkNames()), Set.copyOf(leader.getChildren().forPath(layout.assignment("w1"))));
        Share expected = share("w1", fewer).canonical();
        assertEquals(expected, new ShareReader(other, layout, new ShareCodec()).read("w1").orElseThrow().share());
        ShareReader remembering = new ShareReader(other, layout, new ShareCodec(), true);
        assertEquals(expected, remembering.read("w1").orElseThrow().share());

        // another small change: a new delta against the same base; the previous delta's chunk goes
        fewer.remove(0);
        publisher.publish(Map.of("w1", share("w1", fewer)), fence, "", "", List.of());
        ShareManifest second = publisher.published().get("w1");
        assertEquals(base.sha256(), second.delta().base());
        assertEquals(Set.copyOf(second.chunkNames()), Set.copyOf(leader.getChildren().forPath(layout.assignment("w1"))));
        assertEquals(share("w1", fewer).canonical(), remembering.read("w1").orElseThrow().share());

        // a delta too large to travel inline (2,000 targets) gets a chunk of its own, removed when replaced
        List<String> many = new ArrayList<>(targets.subList(2_000, targets.size()));
        publisher.publish(Map.of("w1", share("w1", many)), fence, "", "", List.of());
        ShareManifest chunked = publisher.published().get("w1");
        assertNull(chunked.delta().inline());
        assertTrue(chunked.chunkNames().stream().anyMatch(n -> n.contains("-d")), chunked.chunkNames().toString());
        assertEquals(Set.copyOf(chunked.chunkNames()), Set.copyOf(leader.getChildren().forPath(layout.assignment("w1"))));
        assertEquals(share("w1", many).canonical(), remembering.read("w1").orElseThrow().share());
        publisher.publish(Map.of("w1", share("w1", fewer)), fence, "", "", List.of());
        assertEquals(Set.copyOf(base.chunkNames()), Set.copyOf(leader.getChildren().forPath(layout.assignment("w1"))));

        // back to the base: no chunk written, the base's own manifest again
        PublishResult back = publisher.publish(Map.of("w1", share("w1", targets)), fence, "", "", List.of());
        assertEquals(base.sha256(), publisher.published().get("w1").sha256());
        assertEquals(ShareManifest.FORMAT, publisher.published().get("w1").version());
        assertTrue(back.bytesWritten() < 1024, back.bytesWritten() + " bytes");

        // a new leader loads the base and keeps writing deltas against it
        Publisher next = new Publisher(other, layout, new ShareCodec(), "c2");
        next.load();
        leader.delete().forPath(fence);
        String otherFence = latch(other);
        next.publish(Map.of("w1", share("w1", fewer)), otherFence, "", "", List.of());
        assertEquals(base.sha256(), next.published().get("w1").delta().base());

        // a large change is written whole and becomes the base; the old base's chunks go
        PublishResult large = next.publish(Map.of("w1", share("w1", targets.subList(0, 5_000))), otherFence, "", "", List.of());
        ShareManifest rebased = next.published().get("w1");
        assertEquals(ShareManifest.FORMAT, rebased.version());
        assertTrue(large.bytesWritten() > small.bytesWritten() * 10);
        assertEquals(Set.copyOf(rebased.chunkNames()), Set.copyOf(other.getChildren().forPath(layout.assignment("w1"))));
        assertEquals(share("w1", targets.subList(0, 5_000)).canonical(), remembering.read("w1").orElseThrow().share());
    }

    /**
     * 40,000 targets on two workers, 300 random updates published while a real sidecar watcher
     * applies them: every file it writes is exactly one published version, never a mix. Small chunks
     * (16 KiB) put each whole share in several, and the deltas pass the rebasing threshold every 50
     * updates, so the watcher meets new bases, deltas and chunk removals throughout.
     */
    @Test
    void aSidecarNeverAppliesAMixOfChunkVersions() throws Exception {
        Random random = new Random(Seeds.seed("aSidecarNeverAppliesAMixOfChunkVersions"));
        Publisher publisher = new Publisher(leader, layout, new ShareCodec(16 * 1024), "c1");
        publisher.load();
        String fence = latch(leader);
        List<String> w1 = new ArrayList<>();
        List<String> w2 = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            (i % 2 == 0 ? w1 : w2).add("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255) + ":9100");
        }
        java.util.TreeSet<String> sorted1 = new java.util.TreeSet<>(w1);
        java.util.TreeSet<String> sorted2 = new java.util.TreeSet<>(w2);
        FileSdDirectory files = new FileSdDirectory(tmp.resolve("sd-w1"));
        ShareWatcher watcher = new ShareWatcher(other, layout, "w1", new ShareCodec(), files);
        watcher.start();
        Set<Set<String>> versions = new HashSet<>();
        AtomicReference<String> inconsistency = new AtomicReference<>();
        Thread checker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted() && inconsistency.get() == null) {
                try {
                    List<TargetGroup> groups = files.read("node");
                    if (!groups.isEmpty()) {
                        Set<String> seen = new HashSet<>(groups.get(0).targets());
                        synchronized (versions) {
                            if (!versions.contains(seen)) {
                                inconsistency.set("applied file matches no published version (" + seen.size() + " targets)");
                            }
                        }
                    }
                    Thread.sleep(100); // the sampling interval
                } catch (java.io.IOException e) {
                    inconsistency.set("unreadable file: " + e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "consistency-checker");
        try {
            int bases = 0;
            for (int update = 0; update < 300; update++) {
                for (int k = 0; k < 50; k++) {
                    int i = random.nextInt(w1.size());
                    int j = random.nextInt(w2.size());
                    String a = w1.get(i);
                    String b = w2.get(j);
                    w1.set(i, b);
                    w2.set(j, a);
                    sorted1.remove(a);
                    sorted1.add(b);
                    sorted2.remove(b);
                    sorted2.add(a);
                }
                synchronized (versions) {
                    versions.add(new HashSet<>(w1));
                }
                // sorted, as the coordinator's shares are (canonical form)
                publisher.publish(Map.of("w1", share("w1", List.copyOf(sorted1)), "w2", share("w2", List.copyOf(sorted2))),
                        fence, "", "", List.of());
                ShareManifest m = publisher.published().get("w1");
                bases += m.delta() == null ? 1 : 0;
                assertTrue(m.chunkNames().size() > 1, "a share in several chunks: " + m.chunkNames());
                if (update == 0) {
                    Poll.until("the first version applied", Duration.ofSeconds(30), () -> watcher.applied().epoch() >= 1);
                    checker.start();
                }
            }
            long last = publisher.epoch();
            Poll.until("the last version applied", Duration.ofSeconds(60), () -> watcher.applied().epoch() == last);
            assertEquals(new HashSet<>(w1), new HashSet<>(files.read("node").get(0).targets()));
            assertEquals(0, watcher.applied().errors(), watcher.applied().lastError());
            assertTrue(bases >= 5, bases + " whole shares published");
        } finally {
            checker.interrupt();
            checker.join();
            watcher.stop();
        }
        assertNull(inconsistency.get(), inconsistency.get());
    }

    /**
     * 1,000 workers whose shares all change a little at once (a label added to every 10th target):
     * the manifests, each with its delta inline, are more than ZooKeeper's 1 MiB request limit
     * together, so the epoch is switched in several fenced transactions, and every worker reads
     * exactly its new share.
     */
    @Test
    void aThousandSharesChangingAtOnceCommitInSeveralFencedTransactions() throws Exception {
        Publisher publisher = new Publisher(leader, layout, new ShareCodec(), "c1");
        publisher.load();
        String fence = latch(leader);
        Map<String, Share> before = new TreeMap<>();
        Map<String, Share> after = new TreeMap<>();
        for (int w = 0; w < 1000; w++) {
            String worker = String.format("w%04d", w);
            List<String> plain = new ArrayList<>();
            List<String> labelled = new ArrayList<>();
            for (int i = 0; i < 450; i++) {
                // host names, as most inventories have them: they do not compress away in a delta
                String target = "node-" + com.google.common.hash.Hashing.sha256().hashInt(w * 1000 + i).toString()
                        .substring(0, 12) + ".dc1.example.org:9100";
                (i % 10 == 0 ? labelled : plain).add(target);
            }
            List<String> all = new ArrayList<>(plain);
            all.addAll(labelled);
            before.put(worker, share(worker, all));
            // a label value unique per worker, as a rack or owner label is: the deltas do not compress away
            String value = com.google.common.hash.Hashing.sha256().hashInt(w).toString();
            after.put(worker, new Share(1, worker, new TreeMap<>(Map.of("node", List.of(
                    TargetGroup.of(plain, Map.of()), TargetGroup.of(labelled, Map.of("rack", value)))))));
        }
        publisher.publish(before, fence, "", "", List.of());
        PublishResult changed = publisher.publish(after, fence, "", "", List.of());

        long manifestBytes = 0;
        for (String worker : after.keySet()) {
            manifestBytes += leader.getData().forPath(layout.assignment(worker)).length;
        }
        assertTrue(manifestBytes > 1040 * 1024, manifestBytes + " bytes of manifests: one request could carry them");
        assertEquals(1000, changed.changedWorkers().size());
        assertTrue(changed.transactions() >= manifestBytes / Publisher.COMMIT_BYTES, changed.transactions()
                + " transactions for " + manifestBytes + " bytes");
        ShareReader reader = new ShareReader(other, layout, new ShareCodec());
        for (Map.Entry<String, Share> e : after.entrySet()) {
            ShareReader.Published read = reader.read(e.getKey()).orElseThrow();
            assertEquals(changed.epoch(), read.manifest().epoch(), e.getKey());
            assertNotNull(read.manifest().delta(), e.getKey() + " changed by a delta");
            assertEquals(e.getValue().canonical(), read.share(), e.getKey());
        }
        assertEquals(changed.epoch(), new Publisher(other, layout, new ShareCodec(), "c2").readState()
                .orElseThrow().epoch());
    }
}
