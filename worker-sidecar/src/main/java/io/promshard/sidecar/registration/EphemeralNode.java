package io.promshard.sidecar.registration;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;

/**
 * An ephemeral znode kept by a Curator {@link PersistentNode} whose close does not wait for
 * ZooKeeper. {@code PersistentNode.close()} deletes the node in the foreground through the client's
 * retry policy, which while ZooKeeper is unreachable blocks for as long as the policy retries
 * (minutes): a sidecar stopped during an outage would hang until its service manager killed it. An
 * ephemeral node needs no delete without a connection: it ends with the session, when the client
 * closes or when the server expires it, so closing while disconnected only stops keeping it.
 */
public final class EphemeralNode extends PersistentNode {

    private final CuratorFramework client;

    public EphemeralNode(CuratorFramework client, String path, byte[] data) {
        super(client, CreateMode.EPHEMERAL, false, path, data);
        this.client = client;
    }

    @Override
    protected void deleteNode() throws Exception {
        if (client.getZookeeperClient().isConnected()) {
            super.deleteNode();
        }
    }
}
