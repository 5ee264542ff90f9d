package io.promshard.sidecar.registration;

import io.promshard.client.Json;
import io.promshard.client.api.WorkerConflict;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.zk.ZkLayout;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This sidecar process's hold on its worker id: the ephemeral {@code workers/<id>} znode, created by
 * this instance and then kept by an {@link EphemeralNode}. The rule that keeps two sidecars with the
 * same id (a copied configuration) from replacing each other's registration forever: a znode held
 * by another session is taken over only when this instance created it (its czxid is the one this
 * instance's create got: an earlier session of this process, ZOOKEEPER-2985); any other holder is a
 * live sidecar, and this one does not register but reports the conflict in {@code conflicts/<id>},
 * trying again every round, so that a restart after a crash registers once the crashed process's
 * session has ended.
 *
 * <p>Not thread-safe: called from the registration's single checker thread (and its stop).
 */
final class IdClaim {

    private static final Logger LOG = LoggerFactory.getLogger(IdClaim.class);

    /** The registration's content as it should be now. */
    @FunctionalInterface
    interface Content {
        byte[] get() throws IOException;
    }

    private final CuratorFramework client;
    private final String worker;
    private final String instance;
    private final String path;
    private final String conflictPath;
    private final Content content;
    private volatile EphemeralNode node;
    /** Counted down the first time this instance holds the id. */
    private final CountDownLatch firstHeld = new CountDownLatch(1);
    private volatile WorkerConflict conflict;
    private EphemeralNode conflictNode;
    /** The czxid of the znode this instance created; -1 before. */
    private long ownCzxid = -1;

    IdClaim(CuratorFramework client, ZkLayout layout, String worker, String instance, Content content) {
        this.client = client;
        this.worker = worker;
        this.instance = instance;
        this.path = layout.worker(worker);
        this.conflictPath = layout.conflict(worker);
        this.content = content;
    }

    /** The node keeping the registration, or null while this instance does not hold the id. */
    EphemeralNode node() {
        return node;
    }

    /** Waits until this instance has held the id once; false when the time ran out first. */
    boolean awaitFirstHeld(long timeout, TimeUnit unit) throws InterruptedException {
        return firstHeld.await(timeout, unit);
    }

    /** The conflict that keeps this sidecar from registering, or null. */
    WorkerConflict conflict() {
        return conflict;
    }

    /** One round: claims the id when not holding it, else checks it is still this instance's. */
    void check() throws Exception {
        if (node == null) {
            claim();
        } else {
            keep();
        }
    }

    private void claim() throws Exception {
        try {
            Stat created = new Stat();
            client.create().storingStatIn(created).creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                    .forPath(path, content.get());
            ownCzxid = created.getCzxid();
            hold();
        } catch (KeeperException.NodeExistsException e) {
            Held held = read();
            if (held == null) {
                return; // gone meanwhile: claimed next round
            }
            if (held.stat().getEphemeralOwner() == session()) {
                ownCzxid = held.stat().getCzxid();
                hold();
            } else if (held.stat().getCzxid() == ownCzxid) {
                replace(held, "still held by this sidecar's earlier session");
            } else {
                conflict(held);
            }
        }
    }

    /**
     * The znode of this session whose data another sidecar wrote over is written back; one of an
     * earlier session of this instance is replaced; one another sidecar created (it registered while
     * this one's session was gone) is left to it, and this one steps back into the conflict.
     */
    private void keep() throws Exception {
        Held held = read();
        if (held == null) {
            return; // the node re-creates it
        }
        if (held.stat().getEphemeralOwner() == session()) {
            ownCzxid = held.stat().getCzxid();
            if (!instance.equals(held.instance())) {
                LOG.warn("worker={}: sidecar {} wrote over this sidecar's registration; writing it back", worker,
                        held.instance());
                node.setData(content.get());
            }
        } else if (held.stat().getCzxid() == ownCzxid) {
            replace(held, "held by an earlier session of this sidecar");
        } else {
            EphemeralNode stepping = node;
            node = null;
            stepping.close(); // deletes nothing that is not this session's
            conflict(held);
        }
    }

    private record Held(Stat stat, String instance) {
    }

    private Held read() throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            String holder;
            try {
                holder = Json.mapper().readValue(data, WorkerInfo.class).instance();
            } catch (IOException | IllegalArgumentException e) {
                holder = "";
            }
            return new Held(stat, holder);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    private long session() throws Exception {
        return client.getZookeeperClient().getZooKeeper().getSessionId();
    }

    private void hold() throws Exception {
        if (conflict != null) {
            LOG.info("worker={}: the id is this sidecar's now", worker);
        }
        conflict = null; // before the node: whoever sees this instance hold the id sees no conflict
        closeConflictNode();
        EphemeralNode fresh = new EphemeralNode(client, path, content.get());
        fresh.start();
        node = fresh;
        firstHeld.countDown();
        LOG.info("worker={}: registered at {} as sidecar {}", worker, path, instance);
    }

    private void replace(Held held, String why) throws Exception {
        LOG.warn("worker={}: {} is {} (session 0x{}); replacing it", worker, path, why,
                Long.toHexString(held.stat().getEphemeralOwner()));
        try {
            client.delete().withVersion(held.stat().getVersion()).forPath(path);
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            LOG.debug("worker={}: {} changed while replacing it", worker, path);
        }
    }

    private void conflict(Held held) throws Exception {
        WorkerConflict found = new WorkerConflict(WorkerConflict.FORMAT, worker, instance, held.instance(),
                System.currentTimeMillis());
        if (conflict == null || !conflict.holder().equals(found.holder())) {
            LOG.error("{} (holder's session 0x{})", found.describe(),
                    Long.toHexString(held.stat().getEphemeralOwner()));
        }
        conflict = found;
        if (conflictNode == null) {
            conflictNode = new EphemeralNode(client, conflictPath, Json.mapper().writeValueAsBytes(found));
            conflictNode.start();
        }
    }

    private void closeConflictNode() throws IOException {
        if (conflictNode != null) {
            conflictNode.close();
            conflictNode = null;
        }
    }

    /** Ends the conflict report; the node itself is closed by the registration's stop. */
    void close() throws IOException {
        closeConflictNode();
    }
}
