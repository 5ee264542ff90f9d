package io.promshard.client.zk;

import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.Share;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Reads a worker's published assignment: the manifest, then the chunks it names. Chunks are
 * content-addressed and written before their manifest, and a publisher deletes old chunks only
 * after switching the manifest, so a missing chunk means a newer manifest exists: the read starts
 * over from the manifest, a bounded number of times.
 *
 * <p>A delta manifest (version 2) names a base share and a delta against it (in chunks, or inline
 * when small). A reader that remembers bases (a sidecar's, reading its own worker) keeps the last
 * whole share it read and reads only the delta while the base is unchanged; the shared reader of
 * a coordinator remembers nothing. Thread-safe.
 */
public final class ShareReader {

    private static final int ATTEMPTS = 5;

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final ShareCodec codec;

    private final boolean rememberBases;
    /** The last base read, by worker; only when {@link #rememberBases}. */
    private final ConcurrentMap<String, Published> bases =
            new ConcurrentHashMap<>();

    public ShareReader(CuratorFramework client, ZkLayout layout, ShareCodec codec) {
        this(client, layout, codec, false);
    }

    /**
     * @param rememberBases keep each worker's last base share (for a reader of one or a few workers), so
     *                      that a delta against it reads only the delta
     */
    public ShareReader(CuratorFramework client, ZkLayout layout, ShareCodec codec, boolean rememberBases) {
        this.client = client;
        this.layout = layout;
        this.codec = codec;
        this.rememberBases = rememberBases;
    }

    /**
     * A manifest with the share it points to, verified, and the base: the whole share a later
     * delta may be published against (the share itself for a version 1 manifest, the base a delta
     * applied to otherwise), with its own manifest.
     */
    public record Published(ShareManifest manifest, Share share, ShareManifest baseManifest,
                            Share base) {
        public Published(ShareManifest manifest, Share share) {
            this(manifest, share, manifest, share);
        }
    }

    /** The manifest alone, or empty when none is published (no node, or a node created but not yet written). */
    public Optional<ShareManifest> readManifest(String worker) throws Exception {
        String path = layout.assignment(worker);
        byte[] data;
        try {
            data = client.getData().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
        return manifest(path, data);
    }

    private static Optional<ShareManifest> manifest(String path, byte[] data) throws CorruptShareException {
        if (data == null || data.length == 0) {
            return Optional.empty();
        }
        return Optional.of(ShareCodec.decodeManifest(path, data));
    }

    /**
     * @return the published assignment, or empty when the worker has none
     * @throws CorruptShareException when what is published cannot be applied
     * @throws Exception                  on ZooKeeper errors (connection loss and the like)
     */
    public Optional<Published> read(String worker) throws Exception {
        return read(worker, null);
    }

    /**
     * As {@link #read(String)}, starting from {@code manifestData}, the manifest znode's content as a
     * cache on it already holds (null: read it): a delta inline in its manifest against a remembered
     * base then costs no read at all. A retry reads the manifest afresh.
     */
    public Optional<Published> read(String worker, byte[] manifestData) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Optional<ShareManifest> manifest = attempt == 1 && manifestData != null
                    ? manifest(layout.assignment(worker), manifestData) : readManifest(worker);
            if (manifest.isEmpty()) {
                return Optional.empty();
            }
            ShareManifest m = manifest.get();
            try {
                Published p;
                if (m.delta() == null) {
                    p = new Published(m, codec.decode(m, chunks(worker, m)));
                } else {
                    Published base = base(worker, m);
                    p = new Published(m, codec.decodeDelta(m, base.share(), chunks(worker, m)), base.manifest(),
                            base.share());
                }
                if (rememberBases) {
                    bases.put(worker, new Published(p.baseManifest(), p.base()));
                }
                return Optional.of(p);
            } catch (KeeperException.NoNodeException e) {
                if (attempt < ATTEMPTS) {
                    continue;
                }
                throw new CorruptShareException("worker=" + worker + " epoch=" + m.epoch()
                        + ": chunk missing after " + ATTEMPTS + " attempts: " + e.getPath(), e);
            }
        }
    }

    /** The base a delta manifest names: remembered, or read and verified. */
    private Published base(String worker, ShareManifest m) throws Exception {
        Published known = bases.get(worker);
        if (known != null && known.manifest().sha256().equals(m.delta().base())) {
            return known;
        }
        ShareManifest baseManifest = m.delta().manifest(worker, m.epoch()); // names the base's chunks
        return new Published(baseManifest, codec.decode(baseManifest, chunks(worker, baseManifest)));
    }

    /**
     * The chunks a manifest names, refused once they hold more than the codec inflates: each is
     * bounded by ZooKeeper's own request limit and the manifest's chunk count by
     * {@link ShareManifest#MAX_CHUNKS}, so at most that much is allocated for a corrupt manifest.
     */
    private List<byte[]> chunks(String worker, ShareManifest m) throws Exception {
        List<byte[]> chunks = new ArrayList<>(m.chunkCount());
        long total = 0;
        for (int i = 0; i < m.chunkCount(); i++) {
            String path = layout.chunk(worker, m.chunkName(i));
            byte[] chunk = client.getData().forPath(path);
            total += chunk.length;
            if (total > codec.maxInflatedBytes()) {
                throw new CorruptShareException(path + ": worker=" + worker + " epoch=" + m.epoch() + ": "
                        + (i + 1) + " of " + m.chunkCount() + " chunks hold more than the limit of "
                        + codec.maxInflatedBytes() + " bytes");
            }
            chunks.add(chunk);
        }
        return chunks;
    }
}
