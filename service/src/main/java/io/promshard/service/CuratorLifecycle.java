package io.promshard.service;

import io.dropwizard.lifecycle.Managed;
import org.apache.curator.framework.CuratorFramework;

/** Starts the Curator client before the components that use it and closes it after them. */
public final class CuratorLifecycle implements Managed {

    private final CuratorFramework client;

    public CuratorLifecycle(CuratorFramework client) {
        this.client = client;
    }

    @Override
    public void start() {
        client.start();
    }

    @Override
    public void stop() {
        client.close();
    }
}
