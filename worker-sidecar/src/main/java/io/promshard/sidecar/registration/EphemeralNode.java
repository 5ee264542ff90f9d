package io.promshard.sidecar.registration;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ephemeral znode kept by a Curator {@link PersistentNode} whose close does not wait out a
 * ZooKeeper outage. {@code PersistentNode.close()} deletes the node in the foreground through the
 * client's retry policy, which while ZooKeeper is unreachable, or hung with the connection still
 * open, blocks for as long as the policy retries (minutes): a sidecar stopped then would hang until
 * its service manager killed it. An ephemeral node needs no delete to go away: it ends with its
 * session, when the client closes or when the ensemble expires it. So the delete is tried only while
 * connected, and waited for at most {@link #DELETE_WAIT_MS}; otherwise the node is left to its
 * session.
 */
public final class EphemeralNode extends PersistentNode {

    /** How long a stop waits for ZooKeeper to answer a write; a healthy ensemble answers in milliseconds. */
    static final long DELETE_WAIT_MS = 3_000;

    private static final Logger LOG = LoggerFactory.getLogger(EphemeralNode.class);

    private final CuratorFramework client;

    public EphemeralNode(CuratorFramework client, String path, byte[] data) {
        super(client, CreateMode.EPHEMERAL, false, path, data);
        this.client = client;
    }

    @Override
    protected void deleteNode() throws Exception {
        String actual = getActualPath();
        if (actual == null) {
            return;
        }
        if (!client.getZookeeperClient().isConnected()) {
            LOG.info("{}: ZooKeeper unreachable; the znode ends with the session", actual);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        client.delete().inBackground((c, event) -> done.countDown()).forPath(actual);
        if (!done.await(DELETE_WAIT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("{}: ZooKeeper did not answer the delete within {} ms; the znode ends with the session",
                    actual, DELETE_WAIT_MS);
        }
    }
}
