package io.promshard.sidecar.registration;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.apache.curator.framework.api.CuratorEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ephemeral znode kept by a Curator {@link PersistentNode} whose close does not wait out a
 * ZooKeeper outage. {@code PersistentNode.close()} deletes the node in the foreground through the
 * client's retry policy, which while ZooKeeper is unreachable, or hung with the connection still
 * open, blocks for as long as the policy retries (minutes): a sidecar stopped then would hang until
 * its service manager killed it. An ephemeral node needs no delete to go away: it ends with its
 * session, when the client closes or when the ensemble expires it. So the delete is tried only while
 * connected, and waited for at most {@link #WRITE_WAIT_MS}; otherwise the node is left to its
 * session.
 */
public final class EphemeralNode extends PersistentNode {

    /** How long a stop waits for ZooKeeper to answer a write; a healthy ensemble answers in milliseconds. */
    static final long WRITE_WAIT_MS = 3_000;

    private static final Logger LOG = LoggerFactory.getLogger(EphemeralNode.class);

    /** How often a close reads and deletes again when the znode was written between the two. */
    static final int DELETE_ATTEMPTS = 5;

    private final CuratorFramework client;
    /** The znode's path: the node is never protected (no sequential suffix), so it is its actual path. */
    private final String path;

    public EphemeralNode(CuratorFramework client, String path, byte[] data) {
        super(client, CreateMode.EPHEMERAL, false, path, data);
        this.client = client;
        this.path = path;
    }

    /**
     * Deletes this session's znode at the path, if it holds one. The path is the node's own (never
     * protected), so it is known even before the background create has answered; that create, and
     * the data the node sets when it finds the znode already there, may still be in flight, so a
     * delete refused for its version reads the znode again and retries ({@link #DELETE_ATTEMPTS} at
     * most, each answer waited for at most {@link #WRITE_WAIT_MS}).
     */
    @Override
    protected void deleteNode() throws Exception {
        if (!client.getZookeeperClient().isConnected()) {
            LOG.info("{}: ZooKeeper unreachable; the znode ends with the session", path);
            return;
        }
        for (int attempt = 1; attempt <= DELETE_ATTEMPTS; attempt++) {
            KeeperException.Code rc = deleteIfThisSessions();
            if (rc != KeeperException.Code.BADVERSION) {
                return;
            }
            LOG.debug("{}: written meanwhile (attempt {}); reading it again", path, attempt);
        }
        LOG.warn("{}: still written meanwhile after {} attempts; the znode ends with the session", path,
                DELETE_ATTEMPTS);
    }

    /**
     * One attempt: reads the znode and deletes it at the version read when this session owns it.
     * OK when nothing is left to delete (or it is another session's), BADVERSION when written between
     * the read and the delete, OPERATIONTIMEOUT when ZooKeeper did not answer in time.
     */
    private KeeperException.Code deleteIfThisSessions() throws Exception {
        // only this session's znode: after stepping back from a duplicate id the path is another sidecar's
        CuratorEvent exists = bounded(answer -> client.checkExists().inBackground(answer).forPath(path));
        if (exists == null) {
            LOG.warn("{}: ZooKeeper did not answer within {} ms; the znode ends with the session", path, WRITE_WAIT_MS);
            return KeeperException.Code.OPERATIONTIMEOUT;
        }
        Stat stat = exists.getStat();
        if (stat == null) {
            return KeeperException.Code.OK;
        }
        if (stat.getEphemeralOwner() != client.getZookeeperClient().getZooKeeper().getSessionId()) {
            LOG.info("{}: held by session 0x{}, not this one; left to it", path,
                    Long.toHexString(stat.getEphemeralOwner()));
            return KeeperException.Code.OK;
        }
        KeeperException.Code rc = boundedWrite(answer -> client.delete().withVersion(stat.getVersion())
                .inBackground(answer).forPath(path));
        if (rc == KeeperException.Code.OPERATIONTIMEOUT) {
            LOG.warn("{}: ZooKeeper did not answer the delete within {} ms; the znode ends with the session",
                    path, WRITE_WAIT_MS);
        }
        return rc == KeeperException.Code.NONODE ? KeeperException.Code.OK : rc;
    }

    /** A background write whose answer a stop waits for. */
    interface Write {
        void start(BackgroundCallback answer) throws Exception;
    }

    /**
     * Starts {@code write} in the background and waits at most {@link #WRITE_WAIT_MS} for its answer:
     * its result code, or {@code OPERATIONTIMEOUT} when none came (the write may still happen later).
     */
    static KeeperException.Code boundedWrite(Write write) throws Exception {
        CuratorEvent event = bounded(write);
        return event == null ? KeeperException.Code.OPERATIONTIMEOUT : KeeperException.Code.get(event.getResultCode());
    }

    /** As {@link #boundedWrite}, the whole answer (null when none came in time). */
    static CuratorEvent bounded(Write write) throws Exception {
        CompletableFuture<CuratorEvent> answer = new CompletableFuture<>();
        write.start((c, event) -> answer.complete(event));
        try {
            return answer.get(WRITE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        }
    }
}
