package io.promshard.client.zk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.testing.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ShareCodecTest {

    private static Share share(Random random, int targets) {
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < targets; i++) {
            addresses.add("10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + ":"
                    + (1 + random.nextInt(65535)));
        }
        return new Share(1, "w1", new TreeMap<>(Map.of("node", List.of(TargetGroup.of(addresses,
                Map.of("env", "prod"))))));
    }

    @Test
    void largePayloadsSplitIntoChunksUnderTheZnodeLimitAndReassemble() throws Exception {
        Random random = new Random(Seeds.seed("largePayloadsSplitIntoChunks"));
        Share p = share(random, 200_000);
        ShareCodec codec = new ShareCodec();
        ShareCodec.Encoded e = codec.encode(p, 7);
        assertTrue(e.chunks().size() > 1, "expected several chunks, got " + e.chunks().size());
        e.chunks().forEach(c -> assertTrue(c.length <= ShareCodec.DEFAULT_CHUNK_BYTES));
        assertEquals(7, e.manifest().epoch());
        assertEquals(200_000, e.manifest().targetCount());
        assertEquals(p, codec.decode(e.manifest(), e.chunks()));
        assertEquals(ShareCodec.prepare(p).sha256(), e.manifest().sha256());
    }

    @Test
    void tamperedOrIncompleteChunksAreRefused() throws Exception {
        ShareCodec codec = new ShareCodec(1024);
        Share p = share(new Random(1), 5_000);
        ShareCodec.Encoded e = codec.encode(p, 1);
        List<byte[]> missing = new ArrayList<>(e.chunks());
        missing.remove(missing.size() - 1);
        assertThrows(CorruptShareException.class, () -> codec.decode(e.manifest(), missing));

        List<byte[]> flipped = new ArrayList<>(e.chunks());
        byte[] last = flipped.get(flipped.size() - 1).clone();
        last[last.length / 2] ^= 0x55;
        flipped.set(flipped.size() - 1, last);
        assertThrows(CorruptShareException.class, () -> codec.decode(e.manifest(), flipped));

        ShareManifest otherDigest = new ShareManifest(1, "w1", 1, List.of("node"), 5_000,
                e.manifest().chunkCount(), "0".repeat(64));
        CorruptShareException ex = assertThrows(CorruptShareException.class,
                () -> codec.decode(otherDigest, e.chunks()));
        assertTrue(ex.getMessage().startsWith("worker=w1 epoch=1: sha256"), ex.getMessage());
    }

    @Test
    void manifestsOfUnknownVersionsAreRefused() {
        byte[] v2 = "{\"version\":3,\"worker\":\"w1\",\"epoch\":1,\"chunkCount\":1,\"sha256\":\"%s\"}"
                .formatted("a".repeat(64)).getBytes();
        CorruptShareException e = assertThrows(CorruptShareException.class,
                () -> ShareCodec.decodeManifest("/p", v2));
        assertTrue(e.getMessage().contains("version 3"), e.getMessage());
        byte[] deltaWithoutBase = "{\"version\":2,\"worker\":\"w1\",\"epoch\":1,\"chunkCount\":1,\"sha256\":\"%s\"}"
                .formatted("a".repeat(64)).getBytes();
        CorruptShareException noBase = assertThrows(CorruptShareException.class,
                () -> ShareCodec.decodeManifest("/p", deltaWithoutBase));
        assertTrue(noBase.getMessage().contains("needs delta"), noBase.getMessage());
        assertThrows(CorruptShareException.class, () -> ShareCodec.decodeManifest("/p", "{".getBytes()));
    }

    @Test
    void equalSharesHaveEqualDigests() {
        Share a = share(new Random(3), 100);
        Share b = share(new Random(3), 100);
        assertEquals(ShareCodec.prepare(a).sha256(), ShareCodec.prepare(b).sha256());
        assertTrue(!ShareCodec.prepare(a).sha256().equals(ShareCodec.prepare(share(new Random(4), 100)).sha256()));
    }

    /** A share with a few targets moved out, a few in, and some kept as hand-off targets. */
    private static Share moved(Share base, Random random, int out, int in) {
        List<String> targets = new ArrayList<>(base.jobs().get("node").get(0).targets());
        List<String> handoff = new ArrayList<>();
        for (int i = 0; i < out; i++) {
            handoff.add(targets.remove(random.nextInt(targets.size())));
        }
        for (int i = 0; i < in; i++) {
            targets.add("192.168." + i + ".1:9100");
        }
        return new Share(1, base.worker(), new TreeMap<>(Map.of("node", List.of(TargetGroup.of(targets,
                Map.of("env", "prod"))), "blackbox", List.of(TargetGroup.of(List.of("x:1"), Map.of())))),
                new TreeMap<>(Map.of("node", List.of(TargetGroup.of(handoff, Map.of("env", "prod"))))));
    }

    /**
     * A share of 20,000 targets written whole (epoch 1), the share after {@code out} of its targets
     * became hand-offs and {@code in} were added, and that share encoded as a delta (epoch 2).
     */
    private record DeltaCase(Share base, ShareCodec.Encoded whole, Share next,
                             ShareCodec.Prepared prepared, ShareCodec.Encoded delta) {
        static DeltaCase of(ShareCodec codec, Random random, int out, int in) {
            Share base = share(random, 20_000).canonical();
            ShareCodec.Encoded whole = codec.encode(base, 1);
            Share next = moved(base, random, out, in);
            ShareCodec.Prepared prepared = ShareCodec.prepare(next.canonical());
            return new DeltaCase(base, whole, next, prepared, codec.encodeDelta(prepared, whole.manifest(), base, 2));
        }
    }

    @Test
    void aDeltaAgainstItsBaseRebuildsTheShareExactlyInAFractionOfTheBytes() throws Exception {
        long seed = Seeds.seed("aDeltaAgainstItsBase");
        Random random = new Random(seed);
        ShareCodec codec = new ShareCodec();
        DeltaCase large = DeltaCase.of(codec, random, 1_000, 1_000); // too large to go inline
        Share base = large.base();
        ShareCodec.Encoded whole = large.whole();
        Share next = large.next();
        ShareCodec.Prepared prepared = large.prepared();
        ShareCodec.Encoded delta = large.delta();

        assertEquals(ShareManifest.DELTA_FORMAT, delta.manifest().version());
        assertEquals(whole.manifest().sha256(), delta.manifest().delta().base());
        assertNull(delta.manifest().delta().inline());
        assertEquals(prepared.sha256(), delta.manifest().sha256());
        assertEquals(next.targetCount(), delta.manifest().targetCount());
        assertEquals(1_000, delta.manifest().handoffCount());
        assertEquals(next.canonical(), codec.decodeDelta(delta.manifest(), base, delta.chunks()));
        long deltaBytes = delta.chunks().stream().mapToLong(c -> c.length).sum();
        long wholeBytes = whole.chunks().stream().mapToLong(c -> c.length).sum();
        assertTrue(deltaBytes * 5 < wholeBytes, "delta " + deltaBytes + " bytes, whole " + wholeBytes + " (seed " + seed + ")");
        List<String> names = delta.manifest().chunkNames();
        assertEquals(whole.manifest().chunkName(0), names.get(0));
        assertTrue(names.get(names.size() - 1).contains("-d"), names.toString());

        Share otherBase = share(random, 20_000).canonical();
        CorruptShareException wrongBase = assertThrows(CorruptShareException.class,
                () -> codec.decodeDelta(delta.manifest(), otherBase, delta.chunks()));
        assertTrue(wrongBase.getMessage().startsWith("worker=w1 epoch=2: delta does not apply"), wrongBase.getMessage());
    }

    @Test
    void aSmallDeltaTravelsInsideItsManifest() throws Exception {
        long seed = Seeds.seed("aSmallDeltaTravelsInsideItsManifest");
        ShareCodec codec = new ShareCodec();
        DeltaCase c = DeltaCase.of(codec, new Random(seed), 15, 10);
        Share base = c.base();
        ShareCodec.Encoded whole = c.whole();
        Share next = c.next();
        ShareCodec.Encoded delta = c.delta();

        assertTrue(delta.chunks().isEmpty(), "no chunk of its own (seed " + seed + ")");
        assertEquals(0, delta.manifest().chunkCount());
        assertEquals(whole.manifest().chunkNames(), delta.manifest().chunkNames(), "only the base's chunks are needed");
        byte[] znode = ShareCodec.encodeManifest(delta.manifest());
        assertTrue(znode.length < 1024, znode.length + " bytes for 25 targets moved");
        ShareManifest read = ShareCodec.decodeManifest("/m", znode);
        assertEquals(delta.manifest(), read);
        assertEquals(next.canonical(), codec.decodeDelta(read, base, List.of()));

        // an inline delta with chunks of its own, or chunks without one, is not a manifest
        ShareManifest.Delta inline = read.delta();
        assertThrows(IllegalArgumentException.class, () -> new ShareManifest(2, "w1", 2, List.of(), 1, 1,
                read.sha256(), 0, inline));
        String mixed = new String(znode, java.nio.charset.StandardCharsets.UTF_8).replace("\"chunkCount\":0",
                "\"chunkCount\":1");
        CorruptShareException refused = assertThrows(CorruptShareException.class,
                () -> ShareCodec.decodeManifest("/promshard/x/assignments/w1", mixed.getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(refused.getMessage().contains("chunkCount must be 0 with an inline delta"), refused.getMessage());
        assertTrue(refused.getMessage().startsWith("/promshard/x/assignments/w1"), refused.getMessage());
    }

    @Test
    void deltasBetweenRandomSharesApplyToExactlyTheNextShare() {
        long seed = Seeds.seed("deltasBetweenRandomShares");
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            Share a = randomShare(random);
            Share b = randomShare(random);
            io.promshard.client.api.ShareDelta d = io.promshard.client.api.ShareDelta.between(a, b);
            assertEquals(b.canonical(), d.applyTo(a), "round " + round + ", seed " + seed);
            assertEquals(ShareCodec.prepare(b.canonical()).sha256(), ShareCodec.prepare(d.applyTo(a)).sha256());
            assertTrue(io.promshard.client.api.ShareDelta.between(b, b).isEmpty());
        }
    }

    private static Share randomShare(Random random) {
        TreeMap<String, List<TargetGroup>> jobs = new TreeMap<>();
        TreeMap<String, List<TargetGroup>> handoff = new TreeMap<>();
        for (String job : List.of("a", "b", "c")) {
            for (TreeMap<String, List<TargetGroup>> section : List.of(jobs, handoff)) {
                int groups = random.nextInt(4);
                List<TargetGroup> list = new ArrayList<>();
                for (int g = 0; g < groups; g++) {
                    List<String> targets = new ArrayList<>();
                    for (int t = random.nextInt(6); t > 0; t--) {
                        targets.add("h" + random.nextInt(10) + ":1");
                    }
                    list.add(TargetGroup.of(targets, random.nextBoolean() ? Map.of() : Map.of("l", "" + random.nextInt(3))));
                }
                if (!list.isEmpty()) {
                    section.put(job, list);
                }
            }
        }
        return new Share(1, "w1", jobs, handoff);
    }
}
