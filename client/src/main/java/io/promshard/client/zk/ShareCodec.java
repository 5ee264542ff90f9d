package io.promshard.client.zk;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.hash.Hashing;
import io.promshard.client.Json;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.Share;
import io.promshard.client.api.ShareDelta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Encodes a worker's {@link Share} as gzip chunks, each well under ZooKeeper's 1 MiB znode
 * limit, plus the small {@link ShareManifest} that names them, and decodes them back,
 * verifying the digest. Thread-safe and stateless.
 */
public final class ShareCodec {

    /** Chunk size: half of ZooKeeper's default {@code jute.maxbuffer}, leaving room for the request. */
    public static final int DEFAULT_CHUNK_BYTES = 512 * 1024;
    /** The most any reader inflates, whatever its heap. */
    public static final long MAX_PAYLOAD_BYTES = 1L << 30;
    /** A delta whose gzip is at most this long goes inside its manifest (as base64) rather than into a chunk. */
    public static final int INLINE_DELTA_BYTES = 3 * 1024;

    private final int chunkBytes;
    private final long maxInflatedBytes;

    public ShareCodec() {
        this(DEFAULT_CHUNK_BYTES);
    }

    public ShareCodec(int chunkBytes) {
        this(chunkBytes, defaultMaxInflatedBytes());
    }

    /**
     * @param maxInflatedBytes the most a share or delta may inflate to, and so the most its chunks may
     *                         hold compressed (gzip never makes JSON larger by more than a few bytes)
     */
    public ShareCodec(int chunkBytes, long maxInflatedBytes) {
        if (chunkBytes < 1024) {
            throw new IllegalArgumentException("chunkBytes must be >= 1024, was " + chunkBytes);
        }
        if (maxInflatedBytes < 1024) {
            throw new IllegalArgumentException("maxInflatedBytes must be >= 1024, was " + maxInflatedBytes);
        }
        this.chunkBytes = chunkBytes;
        this.maxInflatedBytes = maxInflatedBytes;
    }

    /**
     * A quarter of this JVM's heap, at most {@link #MAX_PAYLOAD_BYTES}: a corrupt or hostile chunk (a
     * gzip bomb) is refused before it can exhaust the heap of the process reading it (a sidecar runs
     * in 128 MiB), while the largest real share (a million targets, some 50 MiB of JSON) still fits the
     * heaps it is read with.
     */
    public static long defaultMaxInflatedBytes() {
        return Math.min(MAX_PAYLOAD_BYTES, Runtime.getRuntime().maxMemory() / 4);
    }

    /** The most this codec inflates, and the most compressed bytes a reader may gather for one share. */
    public long maxInflatedBytes() {
        return maxInflatedBytes;
    }

    /** A share ready to write: the manifest and its chunks, in order. */
    public record Encoded(ShareManifest manifest, List<byte[]> chunks) {
        public Encoded {
            chunks = List.copyOf(chunks);
        }
    }

    /** A share serialized and digested, not yet compressed: enough to tell whether it changed. */
    public record Prepared(Share share, byte[] json, String sha256) {
    }

    public static Prepared prepare(Share share) {
        byte[] json = json(share);
        return new Prepared(share, json, Hashing.sha256().hashBytes(json).toString());
    }

    public Encoded encode(Share share, long epoch) {
        return encode(prepare(share), epoch);
    }

    public Encoded encode(Prepared prepared, long epoch) {
        Share share = prepared.share();
        String sha = prepared.sha256();
        List<byte[]> chunks = split(gzip(prepared.json()));
        ShareManifest manifest = new ShareManifest(ShareManifest.FORMAT, share.worker(), epoch,
                List.copyOf(share.scraped().keySet()), share.targetCount(), chunks.size(), sha, share.handoffCount());
        return new Encoded(manifest, chunks);
    }

    /**
     * Encodes {@code next} as a delta against {@code base}, a share already published whole (its
     * chunks named by its own version 1 manifest, {@code baseManifest}).
     */
    public Encoded encodeDelta(Prepared next, ShareManifest baseManifest, Share base, long epoch) {
        return encodeDelta(next, baseManifest, ShareDelta.between(base, next.share()), epoch);
    }

    /** As {@link #encodeDelta(Prepared, ShareManifest, Share, long)}, the delta computed already. */
    public Encoded encodeDelta(Prepared next, ShareManifest baseManifest, ShareDelta delta, long epoch) {
        if (baseManifest.delta() != null) {
            throw new IllegalArgumentException("worker=" + baseManifest.worker() + ": a base must be a whole share");
        }
        byte[] gz = gzip(json(delta));
        boolean inline = gz.length <= INLINE_DELTA_BYTES;
        List<byte[]> chunks = inline ? List.of() : split(gz);
        Share share = next.share();
        ShareManifest manifest = new ShareManifest(ShareManifest.DELTA_FORMAT, share.worker(), epoch,
                List.copyOf(share.scraped().keySet()), share.targetCount(), chunks.size(), next.sha256(),
                share.handoffCount(), new ShareManifest.Delta(baseManifest.sha256(), baseManifest.chunkCount(),
                inline ? Base64.getEncoder().encodeToString(gz) : null));
        return new Encoded(manifest, chunks);
    }

    /** Cuts compressed bytes into chunks of at most {@link #chunkBytes}. */
    private List<byte[]> split(byte[] gz) {
        List<byte[]> chunks = new ArrayList<>();
        for (int off = 0; off < gz.length; off += chunkBytes) {
            chunks.add(Arrays.copyOfRange(gz, off, Math.min(gz.length, off + chunkBytes)));
        }
        return chunks;
    }

    public static byte[] encodeManifest(ShareManifest manifest) {
        try {
            return Json.mapper().writeValueAsBytes(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses a manifest znode.
     *
     * @throws CorruptShareException when it is not a manifest of a version this code reads
     */
    public static ShareManifest decodeManifest(String path, byte[] data) throws CorruptShareException {
        try {
            JsonNode tree = Json.mapper().readTree(data);
            int version = tree == null ? -1 : tree.path("version").asInt(-1);
            if (version != ShareManifest.FORMAT && version != ShareManifest.DELTA_FORMAT) {
                throw new CorruptShareException(path + ": manifest version " + version
                        + " is not supported (expected " + ShareManifest.FORMAT + " or "
                        + ShareManifest.DELTA_FORMAT + ")");
            }
            return Json.mapper().treeToValue(tree, ShareManifest.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptShareException(path + ": unreadable manifest: " + e.getMessage(), e);
        }
    }

    /**
     * Reassembles and verifies a share.
     *
     * @throws CorruptShareException when the chunks do not inflate to JSON with the manifest's digest
     */
    public Share decode(ShareManifest manifest, List<byte[]> chunks) throws CorruptShareException {
        if (manifest.delta() != null) {
            throw new IllegalArgumentException(where(manifest)
                    + ": a delta manifest is decoded against its base");
        }
        return verified(manifest, inflate(manifest, chunks));
    }

    /**
     * Applies the delta in {@code chunks}, or inline in the manifest (then {@code chunks} is empty), to
     * {@code base} (the share whose sha256 the manifest's delta names) and verifies the result
     * against the manifest.
     *
     * @throws CorruptShareException when the chunks do not inflate to a delta that fits the base and
     *                                    yields the manifest's digest
     */
    public Share decodeDelta(ShareManifest manifest, Share base, List<byte[]> chunks)
            throws CorruptShareException {
        String where = where(manifest);
        ShareDelta delta;
        try {
            String inline = manifest.delta() == null ? null : manifest.delta().inline();
            delta = Json.mapper().readValue(inline != null ? inflate(manifest, List.of(Base64.getDecoder()
                    .decode(inline))) : inflate(manifest, chunks), ShareDelta.class);
            if (delta.version() != ShareDelta.FORMAT) {
                throw new CorruptShareException(where + ": delta version " + delta.version() + " is not supported");
            }
            // the share the delta built is the one returned: its digest proves it serializes to the
            // leader's bytes, so parsing those bytes back would only rebuild an equal share
            Share applied = delta.applyTo(base);
            checkDigest(manifest, json(applied));
            return fitting(manifest, applied);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptShareException(where + ": delta does not apply: " + e.getMessage(), e);
        }
    }

    private byte[] inflate(ShareManifest manifest, List<byte[]> chunks) throws CorruptShareException {
        String where = where(manifest);
        boolean inline = manifest.delta() != null && manifest.delta().inline() != null;
        if (!inline && chunks.size() != manifest.chunkCount()) {
            throw new CorruptShareException(where + ": expected " + manifest.chunkCount() + " chunks, got "
                    + chunks.size());
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        chunks.forEach(gz::writeBytes);
        try {
            return gunzip(gz.toByteArray(), maxInflatedBytes);
        } catch (IOException e) {
            throw new CorruptShareException(where + ": chunks do not inflate: " + e.getMessage(), e);
        }
    }

    /** The share {@code json} holds, once its digest is the manifest's and it is of the manifest's worker. */
    private static Share verified(ShareManifest manifest, byte[] json) throws CorruptShareException {
        checkDigest(manifest, json);
        Share share;
        try {
            share = Json.mapper().readValue(json, Share.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptShareException(where(manifest) + ": share is not valid: " + e.getMessage(), e);
        }
        return fitting(manifest, share);
    }

    private static void checkDigest(ShareManifest manifest, byte[] json) throws CorruptShareException {
        String sha = Hashing.sha256().hashBytes(json).toString();
        if (!sha.equals(manifest.sha256())) {
            throw new CorruptShareException(where(manifest) + ": sha256 " + sha + " does not match manifest "
                    + manifest.sha256());
        }
    }

    /** {@code share}, when it is of the format this code reads and of the manifest's worker. */
    private static Share fitting(ShareManifest manifest, Share share) throws CorruptShareException {
        if (share.version() != Share.FORMAT || !share.worker().equals(manifest.worker())) {
            throw new CorruptShareException(where(manifest) + ": share version " + share.version()
                    + " for worker " + share.worker() + " does not fit the manifest");
        }
        return share;
    }

    private static String where(ShareManifest manifest) {
        return "worker=" + manifest.worker() + " epoch=" + manifest.epoch();
    }

    private static byte[] json(Object share) {
        try {
            return Json.mapper().writeValueAsBytes(share);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gzip at the fastest level. */
    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        // fastest level: chunks are written on every rebalance, and the ratio barely differs for this JSON
        try (GZIPOutputStream z = new GZIPOutputStream(out, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Inflates {@code data}, refusing to produce more than {@code limit} bytes. */
    public static byte[] gunzip(byte[] data, long limit) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(limit, data.length * 4L));
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw new IOException("inflates to more than the limit of " + limit + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
