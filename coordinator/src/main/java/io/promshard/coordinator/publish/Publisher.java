package io.promshard.coordinator.publish;

import io.promshard.client.Json;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.ClusterState;
import io.promshard.client.api.Share;
import io.promshard.client.api.ShareDelta;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.ZkLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes assignments to ZooKeeper for the leader. For each worker whose share changed, the
 * content-addressed gzip chunks are written first (inert until referenced); then one transaction,
 * fenced on the leader's own latch znode, switches the changed manifests and the {@code state}
 * znode to the next epoch. A leader whose session is gone therefore commits nothing. Old chunks and
 * departed workers' assignments are removed afterwards.
 *
 * <p>Writes follow what moved: a changed share is published as a {@link io.promshard.client.api.ShareDelta}
 * against the worker's base (the last share written whole) while the delta stays under
 * {@value #DELTA_FRACTION_PERCENT}% of the base's targets, and whole (becoming the new base)
 * otherwise. Chunk creations and deletions go in batched multi-operation requests, not one round
 * trip each.
 *
 * <p>Not thread-safe: the coordinator calls it from its single publishing thread. Call
 * {@link #load()} after gaining leadership, before the first {@link #publish}.
 */
public final class Publisher {

    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    /** A delta larger than this share of its base's targets is not worth it: the share is written whole. */
    static final int DELTA_FRACTION_PERCENT = 25;
    /** Bytes per batched request: under ZooKeeper's default 1 MiB {@code jute.maxbuffer} with room to spare. */
    private static final int BATCH_BYTES = 700 * 1024;
    private static final int BATCH_OPS = 1000;
    /**
     * Bytes per fenced transaction: a quarter of ZooKeeper's default 1 MiB request limit, whatever
     * changes at once (1,000 manifests with inline deltas of a few KiB each need several).
     */
    static final int COMMIT_BYTES = 256 * 1024;
    /** What ZooKeeper's request encoding adds to an operation besides its path and data, rounded up. */
    private static final int OP_BYTES = 64;

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final ShareCodec codec;
    private final String coordinatorId;
    private final Map<String, ShareManifest> published = new TreeMap<>();
    /** The share behind each manifest in {@link #published}, to recognise an unchanged share without hashing it. */
    private final Map<String, Share> publishedShares = new HashMap<>();
    /** Each worker's base: the last share published whole, which deltas apply to. */
    private final Map<String, ShareReader.Published> bases = new HashMap<>();
    private boolean stateExists;
    /** Whether the {@code state} znode holds this publisher's epoch (false after a load found it missing, corrupt or behind). */
    private boolean stateInForce;
    private long epoch;
    private Optional<ClusterState> loadedState = Optional.empty();
    /** What {@link #inForce()} answers: replaced whole after each load and commit. */
    private volatile InForce inForce = new InForce(0, Map.of());

    /**
     * The epoch and the manifests this publisher last loaded or committed: what the API answers from
     * memory on the leader, read by any thread.
     */
    public record InForce(long epoch, Map<String, ShareManifest> manifests) {
    }

    public Publisher(CuratorFramework client, ZkLayout layout, ShareCodec codec, String coordinatorId) {
        this.client = client;
        this.layout = layout;
        this.codec = codec;
        this.coordinatorId = coordinatorId;
    }

    /**
     * Reads the epoch and every worker's published share, so that a new leader continues from
     * what is in force and rewrites nothing that is unchanged, and removes chunks no manifest needs
     * (left by a leader that stopped between writing chunks and committing).
     *
     * @return the published shares by worker; a worker whose assignment cannot be read is left out
     *         (and will be rewritten)
     */
    public SortedMap<String, Share> load() throws Exception {
        client.createContainers(layout.assignments());
        published.clear();
        publishedShares.clear();
        bases.clear();
        stateExists = false;
        loadedState = readStateLeniently();
        long stateEpoch = loadedState.map(ClusterState::epoch).orElse(0L);
        ShareReader reader = new ShareReader(client, layout, codec);
        TreeMap<String, Share> shares = new TreeMap<>();
        List<String> stale = new ArrayList<>();
        for (String worker : client.getChildren().forPath(layout.assignments())) {
            try {
                Optional<ShareReader.Published> p = reader.read(worker);
                if (p.isPresent()) {
                    ShareReader.Published pub = p.get();
                    published.put(worker, pub.manifest());
                    publishedShares.put(worker, pub.share());
                    bases.put(worker, new ShareReader.Published(pub.baseManifest(), pub.base()));
                    shares.put(worker, pub.share());
                    Set<String> keep = new HashSet<>(pub.manifest().chunkNames());
                    for (String chunk : children(layout.assignment(worker))) {
                        if (!keep.contains(chunk)) {
                            stale.add(layout.assignment(worker) + "/" + chunk);
                        }
                    }
                }
            } catch (KeeperException e) {
                throw e;
            } catch (Exception e) {
                LOG.error("worker={}: published assignment unreadable, it will be rewritten: {}", worker,
                        e.getMessage());
            }
        }
        delete(stale);
        epoch = Math.max(stateEpoch, published.values().stream().mapToLong(ShareManifest::epoch).max().orElse(0));
        if (epoch != stateEpoch) {
            LOG.warn("the state znode says epoch {} but published manifests carry epoch {}: continuing from {}",
                    stateEpoch, epoch, epoch);
        }
        stateInForce = loadedState.isPresent() && stateEpoch == epoch;
        inForce = new InForce(epoch, Map.copyOf(published));
        LOG.info("loaded published state: epoch {}, {} worker assignments, {} stale chunks removed", epoch,
                published.size(), stale.size());
        return shares;
    }

    /**
     * The {@code state} znode, or empty when it is missing or cannot be decoded (logged): {@link #load()}
     * then continues from the manifests' highest epoch, so the epoch never goes back below what
     * sidecars may have acknowledged.
     */
    private Optional<ClusterState> readStateLeniently() throws Exception {
        try {
            return readState();
        } catch (IOException e) {
            LOG.error("{}: state znode unreadable, continuing from the published manifests' epoch: {}",
                    layout.state(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The {@code state} znode as {@link #load()} read it; empty when it was missing or unreadable. */
    public Optional<ClusterState> loadedState() {
        return loadedState;
    }

    public long epoch() {
        return epoch;
    }

    /**
     * What differs between ZooKeeper and what this publisher last loaded or committed: the
     * {@code state} znode missing, unreadable or at another epoch, or a worker's manifest missing or
     * one more than it published. Only a hand (or a bug) outside the leader makes them differ, since
     * every write is fenced; the leader then loads again and publishes what is missing, without
     * waiting for the next event. Two small reads: the state and the list of manifests.
     *
     * @return the difference in words, empty when ZooKeeper holds what this publisher wrote
     */
    public Optional<String> differenceFromZooKeeper() throws Exception {
        if (epoch > 0) {
            Optional<ClusterState> state = readStateLeniently();
            if (state.isEmpty()) {
                return Optional.of(layout.state() + " is missing or unreadable (published epoch " + epoch + ")");
            }
            if (state.get().epoch() != epoch) {
                return Optional.of(layout.state() + " says epoch " + state.get().epoch() + ", published " + epoch);
            }
        }
        Set<String> present = new TreeSet<>(children(layout.assignments()));
        Set<String> missing = new TreeSet<>(published.keySet());
        missing.removeAll(present);
        present.removeAll(published.keySet());
        if (!missing.isEmpty() || !present.isEmpty()) {
            return Optional.of("manifests missing " + missing + ", not published by this leader " + present);
        }
        return Optional.empty();
    }

    /** The manifests in force as this leader knows them. */
    public Map<String, ShareManifest> published() {
        return Map.copyOf(published);
    }

    /** The epoch and manifests last loaded or committed, for any thread (the control loop may be publishing). */
    public InForce inForce() {
        return inForce;
    }

    /** The inventory digest an operator confirmed a large target drop for, or empty. Thread-safe. */
    public Optional<String> confirmedDrop() throws Exception {
        try {
            byte[] data = client.getData().forPath(layout.dropConfirmation());
            return Optional.of(new String(data, StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    /** Records that the inventory of {@code digest} may be published although it drops many targets. Thread-safe. */
    public void confirmDrop(String digest) throws Exception {
        client.create().orSetData().creatingParentContainersIfNeeded().withMode(CreateMode.PERSISTENT)
                .forPath(layout.dropConfirmation(), digest.getBytes(StandardCharsets.UTF_8));
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
     * What the next epoch changes: each changed worker's encoding (a whole share, a delta on its base,
     * or a switch back to the base), the new bases among them, and the workers whose share ends.
     */
    private record Plan(long epoch, Map<String, ShareCodec.Encoded> changed,
                        Map<String, ShareReader.Published> newBases, List<String> removed) {
        boolean isEmpty() {
            return changed.isEmpty() && removed.isEmpty();
        }
    }

    /** The chunks written ahead and the fenced operations that switch the epoch, state last. */
    private record Prepared(List<Commit> commits, Map<String, ShareManifest> manifests, long bytes) {
    }

    /**
     * Publishes {@code shares} (one per live worker) as the next epoch, writing only what changed, and
     * records in {@code state} the workers a budgeted join still owes targets (so that a new leader
     * finishes the join). Steps: plan what changed, write the new chunks, commit the manifests and the
     * state in fenced transactions, then bookkeeping and the removal of chunks no manifest needs.
     *
     * @param fence the leader's latch znode; the transaction fails if it no longer exists
     * @throws FencedOutException when this coordinator's latch znode is not its own: nothing was switched
     */
    public PublishResult publish(Map<String, Share> shares, String fence, String inventoryDigest,
                                 String membershipDigest, List<String> filling) throws Exception {
        Plan plan = plan(shares);
        if (plan.isEmpty() && (stateInForce || epoch == 0)) {
            return new PublishResult(epoch, List.of(), List.of(), 0, 0);
        }
        verifyFence(fence);
        Prepared prepared = prepare(plan, inventoryDigest, membershipDigest, filling);
        int transactions = commit(fence, plan.epoch(), prepared.commits());
        LOG.debug("epoch {} committed in {} fenced transactions", plan.epoch(), transactions);
        afterCommit(plan, prepared, shares);
        return new PublishResult(plan.epoch(), List.copyOf(plan.changed().keySet()), plan.removed(), prepared.bytes(),
                transactions);
    }

    private Plan plan(Map<String, Share> shares) {
        long next = epoch + 1;
        Map<String, ShareCodec.Encoded> changed = new TreeMap<>();
        Map<String, ShareReader.Published> newBases = new HashMap<>();
        for (Map.Entry<String, Share> e : shares.entrySet()) {
            encode(e.getKey(), e.getValue(), next, changed, newBases);
        }
        List<String> removed = new ArrayList<>();
        for (String worker : published.keySet()) {
            if (!shares.containsKey(worker)) {
                removed.add(worker);
            }
        }
        return new Plan(next, changed, newBases, List.copyOf(removed));
    }

    /**
     * One worker's share of epoch {@code next}, added to {@code changed} unless it is the share in
     * force: as a switch back to its base, a delta on its base when that is at most
     * {@value #DELTA_FRACTION_PERCENT}% of the base's targets, or whole (a new base).
     */
    private void encode(String worker, Share share, long next, Map<String, ShareCodec.Encoded> changed,
                        Map<String, ShareReader.Published> newBases) {
        ShareManifest before = published.get(worker);
        Share in = publishedShares.get(worker);
        if (before != null && (share == in || share.equals(in))) {
            return; // the very share in force: no need to serialize and hash it again
        }
        Share canonical = share.isCanonical() ? share : share.canonical();
        ShareCodec.Prepared prepared = ShareCodec.prepare(canonical);
        if (before != null && before.sha256().equals(prepared.sha256())) {
            publishedShares.put(worker, share);
            return;
        }
        ShareReader.Published base = bases.get(worker);
        if (base != null && base.manifest().sha256().equals(prepared.sha256())) {
            // back to the base: its chunks are there, only the manifest switches
            ShareManifest m = base.manifest();
            changed.put(worker, new ShareCodec.Encoded(new ShareManifest(m.version(), worker, next,
                    m.jobs(), m.targetCount(), m.chunkCount(), m.sha256(), m.handoffCount()), List.of()));
            return;
        }
        if (base != null) {
            ShareDelta delta = ShareDelta.between(base.share(), canonical);
            long baseTargets = base.share().targetCount() + base.share().handoffCount();
            if ((long) delta.size() * 100 <= (long) DELTA_FRACTION_PERCENT * baseTargets) {
                changed.put(worker, codec.encodeDelta(prepared, base.manifest(), delta, next));
                return;
            }
        }
        ShareCodec.Encoded whole = codec.encode(prepared, next);
        changed.put(worker, whole);
        newBases.put(worker, new ShareReader.Published(whole.manifest(), canonical));
    }

    /**
     * Writes the changed workers' new chunks (and the parents of new workers) ahead of the switch,
     * and lists the fenced operations: the manifests, those of the workers gaining most first, the
     * departed workers' znodes, and the {@code state} znode last.
     */
    private Prepared prepare(Plan plan, String inventoryDigest, String membershipDigest, List<String> filling)
            throws Exception {
        long bytes = 0;
        List<Write> creates = new ArrayList<>();
        Map<String, ShareManifest> manifests = new TreeMap<>();
        List<Commit> commits = new ArrayList<>();
        for (String worker : gainingFirst(plan.changed())) {
            ShareCodec.Encoded encoded = plan.changed().get(worker);
            if (!published.containsKey(worker)) {
                creates.add(new Write(layout.assignment(worker), new byte[0]));
            }
            for (int i = 0; i < encoded.chunks().size(); i++) {
                creates.add(new Write(layout.chunk(worker, encoded.manifest().chunkName(i)), encoded.chunks().get(i)));
            }
            byte[] manifest = ShareCodec.encodeManifest(encoded.manifest());
            bytes += manifest.length;
            manifests.put(worker, encoded.manifest());
            String path = layout.assignment(worker);
            commits.add(new Commit(List.of(client.transactionOp().setData().forPath(path, manifest)),
                    path.length() + manifest.length));
        }
        bytes += create(creates);
        for (String worker : plan.removed()) {
            commits.add(removal(worker));
        }
        if (!stateExists) {
            ensureExists(layout.state());
            stateExists = true;
        }
        byte[] state = Json.mapper().writeValueAsBytes(new ClusterState(ClusterState.FORMAT, plan.epoch(), coordinatorId,
                inventoryDigest, membershipDigest, System.currentTimeMillis(), filling));
        commits.add(new Commit(List.of(client.transactionOp().setData().forPath(layout.state(), state)),
                layout.state().length() + state.length));
        return new Prepared(commits, manifests, bytes + state.length);
    }

    /** The committed epoch becomes this publisher's picture; chunks no manifest refers to any more go. */
    private void afterCommit(Plan plan, Prepared prepared, Map<String, Share> shares) {
        epoch = plan.epoch();
        stateInForce = true;
        List<String> unreferenced = new ArrayList<>();
        prepared.manifests().forEach((worker, manifest) -> {
            ShareManifest old = published.get(worker);
            if (old != null) {
                Set<String> keep = new HashSet<>(manifest.chunkNames());
                for (String chunk : old.chunkNames()) {
                    if (!keep.contains(chunk)) {
                        unreferenced.add(layout.chunk(worker, chunk));
                    }
                }
            }
        });
        published.putAll(prepared.manifests());
        plan.removed().forEach(published::remove);
        plan.changed().keySet().forEach(w -> publishedShares.put(w, shares.get(w)));
        plan.removed().forEach(publishedShares::remove);
        bases.putAll(plan.newBases());
        plan.removed().forEach(bases::remove);
        inForce = new InForce(epoch, Map.copyOf(published));
        delete(unreferenced);
    }

    /**
     * Operations that belong in one transaction (a worker's manifest, or a departed worker's znodes),
     * and the bytes of their paths and data ({@link #commit} adds {@value #OP_BYTES} per operation).
     */
    private record Commit(List<CuratorOp> ops, long bytes) {
    }

    /**
     * The changed workers, those whose share grows most first: when the commit takes several
     * transactions, a target's new owner switches no later than its old one.
     */
    private List<String> gainingFirst(Map<String, ShareCodec.Encoded> changed) {
        Map<String, Integer> growth = new HashMap<>();
        changed.forEach((w, e) -> growth.put(w, e.manifest().scrapedCount()
                - (published.containsKey(w) ? published.get(w).scrapedCount() : 0)));
        List<String> order = new ArrayList<>(changed.keySet());
        order.sort(Comparator.comparing((String w) -> -growth.get(w)).thenComparing(w -> w));
        return order;
    }

    private Commit removal(String worker) throws Exception {
        List<CuratorOp> ops = new ArrayList<>();
        long size = 0;
        for (String chunk : children(layout.assignment(worker))) {
            String path = layout.assignment(worker) + "/" + chunk;
            ops.add(client.transactionOp().delete().forPath(path));
            size += path.length();
        }
        ops.add(client.transactionOp().delete().forPath(layout.assignment(worker)));
        return new Commit(ops, size + layout.assignment(worker).length());
    }

    /**
     * Switches the epoch in as few transactions as keep each under {@value #COMMIT_BYTES} bytes, every
     * one starting with a check of the fence, in order, the {@code state} znode last. Each sidecar's
     * manifest switches in one of them, so no sidecar sees a mix of versions; a reader of the whole
     * (a new leader) takes the highest epoch among state and manifests.
     *
     * @return the number of transactions
     * @throws FencedOutException  when the fence is no longer this coordinator's
     * @throws StaleViewException when a transaction failed for another reason: the caller re-reads and retries
     */
    private int commit(String fence, long next, List<Commit> commits) throws Exception {
        List<List<CuratorOp>> transactions = new ArrayList<>();
        List<CuratorOp> current = null;
        long size = 0;
        for (Commit c : commits) {
            if (current == null || (size + c.bytes() + OP_BYTES * c.ops().size() > COMMIT_BYTES && current.size() > 1)) {
                current = new ArrayList<>();
                current.add(client.transactionOp().check().forPath(fence));
                transactions.add(current);
                size = fence.length() + OP_BYTES;
            }
            current.addAll(c.ops());
            size += c.bytes() + OP_BYTES * c.ops().size();
        }
        for (int i = 0; i < transactions.size(); i++) {
            try {
                client.transaction().forOperations(transactions.get(i));
            } catch (KeeperException e) {
                if (e.code() == KeeperException.Code.CONNECTIONLOSS || e.code() == KeeperException.Code.SESSIONEXPIRED) {
                    throw e;
                }
                verifyFence(fence); // gone or not ours: FencedOutException
                throw new StaleViewException("epoch " + next + ": transaction " + (i + 1) + " of " + transactions.size()
                        + " refused (" + e.code() + " at " + failedPath(e, transactions.get(i)) + "), "
                        + i + " committed before it", e);
            }
        }
        return transactions.size();
    }

    /** The path of the first operation a failed transaction names as failing. */
    private static String failedPath(KeeperException e, List<CuratorOp> ops) {
        List<OpResult> results = e.getResults();
        if (results != null) {
            for (int i = 0; i < results.size() && i < ops.size(); i++) {
                if (results.get(i) instanceof OpResult.ErrorResult err
                        && err.getErr() != KeeperException.Code.OK.intValue()
                        && err.getErr() != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                    return ops.get(i).get().getPath();
                }
            }
        }
        return e.getPath() == null ? "?" : e.getPath();
    }

    /** A znode to create. */
    private record Write(String path, byte[] data) {
    }

    /**
     * Creates the nodes in batched requests, in order; a batch that meets a node already there (a
     * content-addressed chunk written before, or a worker's node left empty) or a parent missing is
     * retried node by node.
     *
     * @return the bytes of data written
     */
    private long create(List<Write> writes) throws Exception {
        long bytes = 0;
        int from = 0;
        while (from < writes.size()) {
            int to = from;
            long size = 0;
            while (to < writes.size() && to - from < BATCH_OPS
                    && (to == from || size + writes.get(to).data().length <= BATCH_BYTES)) {
                size += writes.get(to).data().length;
                to++;
            }
            List<Write> batch = writes.subList(from, to);
            try {
                List<CuratorOp> ops = new ArrayList<>(batch.size());
                for (Write w : batch) {
                    ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(w.path(), w.data()));
                }
                client.transaction().forOperations(ops);
                bytes += size;
            } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException e) {
                // a chunk already there, or a worker's node gone (deleted by hand): node by node, parents made
                for (Write w : batch) {
                    try {
                        client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                                .forPath(w.path(), w.data());
                        bytes += w.data().length;
                    } catch (KeeperException.NodeExistsException exists) {
                        // content-addressed: an existing chunk of this name holds these bytes already
                    }
                }
            }
            from = to;
        }
        return bytes;
    }

    /** Deletes the nodes in batched requests, best effort: what cannot be deleted now is logged and left. */
    private void delete(List<String> paths) {
        for (int from = 0; from < paths.size(); from += BATCH_OPS) {
            List<String> batch = paths.subList(from, Math.min(paths.size(), from + BATCH_OPS));
            try {
                List<CuratorOp> ops = new ArrayList<>(batch.size());
                for (String path : batch) {
                    ops.add(client.transactionOp().delete().forPath(path));
                }
                client.transaction().forOperations(ops);
            } catch (Exception batchFailed) {
                if (batchFailed instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (String path : batch) {
                    try {
                        client.delete().quietly().forPath(path);
                    } catch (Exception e) {
                        if (e instanceof InterruptedException) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        LOG.warn("{}: old chunk not removed yet: {}", path, e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * The latch znode must belong to this client's current session (after a session expiry a node of
     * the old path may be another session's) and be the first in the election: a coordinator's own
     * belief that it leads can be stale. The transaction then checks the node still exists, and no
     * node can overtake it, so it is still the leader's when the epoch commits.
     */
    private void verifyFence(String fence) throws Exception {
        Stat stat = client.checkExists().forPath(fence);
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();
        if (stat == null || stat.getEphemeralOwner() != session) {
            throw new FencedOutException("latch znode " + fence + (stat == null ? " is gone" : " belongs to session 0x"
                    + Long.toHexString(stat.getEphemeralOwner()) + ", not 0x" + Long.toHexString(session)));
        }
        String parent = ZKPaths.getPathAndNode(fence).getPath();
        String first = client.getChildren().forPath(parent).stream()
                .min(Comparator.comparing(Publisher::sequence)).orElse("");
        if (!ZKPaths.makePath(parent, first).equals(fence)) {
            throw new FencedOutException("latch znode " + fence + " is not first in the election (" + first + " is)");
        }
    }

    /** The sequence suffix Curator's recipes append to election nodes. */
    private static String sequence(String node) {
        return node.length() >= 10 ? node.substring(node.length() - 10) : node;
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
