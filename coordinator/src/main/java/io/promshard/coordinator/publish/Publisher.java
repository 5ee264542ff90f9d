package io.promshard.coordinator.publish;

import io.promshard.client.Json;
import io.promshard.client.api.AssignmentManifest;
import io.promshard.client.api.ClusterState;
import io.promshard.client.api.ShardPayload;
import io.promshard.client.zk.AssignmentCodec;
import io.promshard.client.zk.AssignmentReader;
import io.promshard.client.zk.ZkLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes assignments to ZooKeeper for the leader. For each worker whose share changed, the
 * content-addressed gzip chunks are written first (inert until referenced); then one transaction,
 * fenced on the leader's own latch znode, switches the changed manifests and the {@code state}
 * znode to the next epoch. A leader whose session is gone therefore commits nothing. Old chunks and
 * departed workers' assignments are removed afterwards.
 *
 * <p>Not thread-safe: the coordinator calls it from its single publishing thread. Call
 * {@link #load()} after gaining leadership, before the first {@link #publish}.
 */
public final class Publisher {

    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final AssignmentCodec codec;
    private final String coordinatorId;
    private final Map<String, AssignmentManifest> published = new TreeMap<>();
    /** The payload behind each manifest in {@link #published}, to recognise an unchanged share without hashing it. */
    private final Map<String, ShardPayload> payloads = new java.util.HashMap<>();
    private long epoch;

    public Publisher(CuratorFramework client, ZkLayout layout, AssignmentCodec codec, String coordinatorId) {
        this.client = client;
        this.layout = layout;
        this.codec = codec;
        this.coordinatorId = coordinatorId;
    }

    /**
     * Reads the epoch and every worker's published payload, so that a new leader continues from
     * what is in force and rewrites nothing that is unchanged.
     *
     * @return the published shares by worker; a worker whose assignment cannot be read is left out
     *         (and will be rewritten)
     */
    public SortedMap<String, ShardPayload> load() throws Exception {
        client.createContainers(layout.assignments());
        published.clear();
        payloads.clear();
        epoch = readState().map(ClusterState::epoch).orElse(0L);
        AssignmentReader reader = new AssignmentReader(client, layout, codec);
        TreeMap<String, ShardPayload> shares = new TreeMap<>();
        for (String worker : client.getChildren().forPath(layout.assignments())) {
            try {
                Optional<AssignmentReader.Published> p = reader.read(worker);
                p.ifPresent(pub -> {
                    published.put(worker, pub.manifest());
                    payloads.put(worker, pub.payload());
                    shares.put(worker, pub.payload());
                });
            } catch (KeeperException e) {
                throw e;
            } catch (Exception e) {
                LOG.error("worker={}: published assignment unreadable, it will be rewritten: {}", worker,
                        e.getMessage());
            }
        }
        LOG.info("loaded published state: epoch {}, {} worker assignments", epoch, published.size());
        return shares;
    }

    public long epoch() {
        return epoch;
    }

    /** The manifests in force as this leader knows them. */
    public Map<String, AssignmentManifest> published() {
        return Map.copyOf(published);
    }

    public Optional<ClusterState> readState() throws Exception {
        try {
            byte[] data = client.getData().forPath(layout.state());
            return data.length == 0 ? Optional.empty() : Optional.of(Json.mapper().readValue(data, ClusterState.class));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    /**
     * Publishes {@code shares} (one per live worker) as the next epoch, writing only what changed.
     *
     * @param fence the leader's latch znode; the transaction fails if it no longer exists
     * @throws FencedOutException when this coordinator's latch znode is not its own: nothing was switched
     */
    public PublishResult publish(Map<String, ShardPayload> shares, String fence, String inventoryDigest,
                                 String membershipDigest) throws Exception {
        return publish(shares, fence, inventoryDigest, membershipDigest, List.of());
    }

    /**
     * As {@link #publish(Map, String, String, String)}, recording in {@code state} the workers a
     * budgeted join still owes targets (so that a new leader finishes the join).
     */
    public PublishResult publish(Map<String, ShardPayload> shares, String fence, String inventoryDigest,
                                 String membershipDigest, List<String> filling) throws Exception {
        long next = epoch + 1;
        Map<String, AssignmentCodec.Encoded> changed = new TreeMap<>();
        for (Map.Entry<String, ShardPayload> e : shares.entrySet()) {
            AssignmentManifest before = published.get(e.getKey());
            if (before != null && e.getValue().equals(payloads.get(e.getKey()))) {
                continue; // the very payload in force: no need to serialize and hash it again
            }
            AssignmentCodec.Prepared prepared = AssignmentCodec.prepare(e.getValue());
            if (before == null || !before.sha256().equals(prepared.sha256())) {
                changed.put(e.getKey(), codec.encode(prepared, next));
            } else {
                payloads.put(e.getKey(), e.getValue());
            }
        }
        List<String> removed = new ArrayList<>();
        for (String worker : published.keySet()) {
            if (!shares.containsKey(worker)) {
                removed.add(worker);
            }
        }
        if (changed.isEmpty() && removed.isEmpty()) {
            return new PublishResult(epoch, List.of(), List.of(), 0);
        }
        verifyFence(fence);
        long bytes = 0;
        Map<String, AssignmentManifest> manifests = new TreeMap<>();
        List<CuratorOp> ops = new ArrayList<>();
        ops.add(client.transactionOp().check().forPath(fence));
        for (Map.Entry<String, AssignmentCodec.Encoded> c : changed.entrySet()) {
            String worker = c.getKey();
            AssignmentCodec.Encoded encoded = c.getValue();
            ensureExists(layout.assignment(worker));
            for (int i = 0; i < encoded.chunks().size(); i++) {
                byte[] chunk = encoded.chunks().get(i);
                try {
                    client.create().withMode(CreateMode.PERSISTENT)
                            .forPath(layout.chunk(worker, encoded.manifest().chunkName(i)), chunk);
                    bytes += chunk.length;
                } catch (KeeperException.NodeExistsException e) {
                    // content-addressed: an existing chunk of this name holds these bytes already
                }
            }
            byte[] manifest = AssignmentCodec.encodeManifest(encoded.manifest());
            bytes += manifest.length;
            manifests.put(worker, encoded.manifest());
            ops.add(client.transactionOp().setData().forPath(layout.assignment(worker), manifest));
        }
        for (String worker : removed) {
            for (String chunk : children(layout.assignment(worker))) {
                ops.add(client.transactionOp().delete().forPath(layout.assignment(worker) + "/" + chunk));
            }
            ops.add(client.transactionOp().delete().forPath(layout.assignment(worker)));
        }
        ensureExists(layout.state());
        byte[] state = Json.mapper().writeValueAsBytes(new ClusterState(ClusterState.FORMAT, next, coordinatorId,
                inventoryDigest, membershipDigest, System.currentTimeMillis(), filling));
        ops.add(client.transactionOp().setData().forPath(layout.state(), state));
        bytes += state.length;

        List<CuratorTransactionResult> results;
        try {
            results = client.transaction().forOperations(ops);
        } catch (KeeperException.NoNodeException e) {
            throw new FencedOutException("epoch " + next + " not committed: latch znode " + fence + " is gone", e);
        }
        LOG.debug("epoch {} committed in {} operations", next, results.size());
        epoch = next;
        published.putAll(manifests);
        removed.forEach(published::remove);
        changed.keySet().forEach(w -> payloads.put(w, shares.get(w)));
        removed.forEach(payloads::remove);
        for (Map.Entry<String, AssignmentManifest> e : manifests.entrySet()) {
            deleteUnreferencedChunks(e.getKey(), e.getValue());
        }
        return new PublishResult(next, List.copyOf(changed.keySet()), removed, bytes);
    }

    /**
     * The latch znode must belong to this client's current session (after a session expiry a node of
     * the old path may be another session's) and be the first in the election: a coordinator's own
     * belief that it leads can be stale. The transaction then checks the node still exists, and no
     * node can overtake it, so it is still the leader's when the epoch commits.
     */
    private void verifyFence(String fence) throws Exception {
        org.apache.zookeeper.data.Stat stat = client.checkExists().forPath(fence);
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();
        if (stat == null || stat.getEphemeralOwner() != session) {
            throw new FencedOutException("latch znode " + fence + (stat == null ? " is gone" : " belongs to session 0x"
                    + Long.toHexString(stat.getEphemeralOwner()) + ", not 0x" + Long.toHexString(session)));
        }
        String parent = ZKPaths.getPathAndNode(fence).getPath();
        String first = client.getChildren().forPath(parent).stream()
                .min(java.util.Comparator.comparing(Publisher::sequence)).orElse("");
        if (!ZKPaths.makePath(parent, first).equals(fence)) {
            throw new FencedOutException("latch znode " + fence + " is not first in the election (" + first + " is)");
        }
    }

    /** The sequence suffix Curator's recipes append to election nodes. */
    private static String sequence(String node) {
        return node.length() >= 10 ? node.substring(node.length() - 10) : node;
    }

    private void deleteUnreferencedChunks(String worker, AssignmentManifest manifest) {
        Set<String> keep = new HashSet<>();
        for (int i = 0; i < manifest.chunkCount(); i++) {
            keep.add(manifest.chunkName(i));
        }
        try {
            for (String chunk : children(layout.assignment(worker))) {
                if (!keep.contains(chunk)) {
                    client.delete().quietly().forPath(layout.assignment(worker) + "/" + chunk);
                }
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("worker={} epoch={}: old chunks not removed yet: {}", worker, manifest.epoch(), e.getMessage());
        }
    }

    private List<String> children(String path) throws Exception {
        try {
            return client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    private void ensureExists(String path) throws Exception {
        try {
            client.create().creatingParentContainersIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, new byte[0]);
        } catch (KeeperException.NodeExistsException e) {
            // already there: the transaction sets its content
        }
    }
}
