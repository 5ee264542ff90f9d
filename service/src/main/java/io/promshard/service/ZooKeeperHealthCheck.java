package io.promshard.service;

import com.codahale.metrics.health.HealthCheck;
import org.apache.curator.framework.CuratorFramework;

/** Healthy while the Curator client is connected to a ZooKeeper quorum. */
public class ZooKeeperHealthCheck extends HealthCheck {

    private final CuratorFramework client;

    public ZooKeeperHealthCheck(CuratorFramework client) {
        this.client = client;
    }

    @Override
    protected Result check() {
        return client.getZookeeperClient().isConnected()
                ? Result.healthy("connected to " + client.getZookeeperClient().getCurrentConnectionString())
                : Result.unhealthy("not connected to ZooKeeper");
    }
}
