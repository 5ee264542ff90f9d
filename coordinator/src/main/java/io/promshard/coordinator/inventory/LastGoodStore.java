package io.promshard.coordinator.inventory;

import io.promshard.client.Json;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ZkLayout;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last good content of every inventory source, kept in ZooKeeper ({@code lastgood/<key>}, gzip
 * JSON of the source's name and groups), so that a coordinator restarted or newly elected while a
 * source is refused (a file left broken, an http_sd endpoint down) keeps that source's targets
 * instead of publishing without them. Written when a source's accepted content changes; a content
 * whose gzip passes {@value #MAX_BYTES} bytes is not kept (logged once). Thread-safe; a ZooKeeper
 * failure is logged and loses nothing but the copy.
 */
public final class LastGoodStore {

    private static final Logger LOG = LoggerFactory.getLogger(LastGoodStore.class);
    /** Well under ZooKeeper's 1 MiB znode limit. */
    static final int MAX_BYTES = 900 * 1024;
    /** The most a stored content may inflate to: a corrupt or hostile znode is refused beyond it. */
    static final long MAX_INFLATED_BYTES = 64L << 20;

    /** What one znode holds. */
    record Stored(int version, String source, List<TargetGroup> groups) {
        static final int FORMAT = 1;
    }

    private final CuratorFramework client;
    private final ZkLayout layout;
    /** What this process last wrote or read per source, to write only changes. */
    private final Map<String, List<TargetGroup>> known = new ConcurrentHashMap<>();

    public LastGoodStore(CuratorFramework client, ZkLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    /** A store that keeps nothing (a coordinator without ZooKeeper, tests of the inventory alone). */
    public static LastGoodStore none() {
        return new LastGoodStore(null, null);
    }

    /** Keeps {@code groups} as {@code source}'s last good content, unless that is what is kept already. */
    public void remember(String source, List<TargetGroup> groups) {
        if (client == null || groups.equals(known.get(source))) {
            return;
        }
        try {
            byte[] gz = ShareCodec.gzip(Json.mapper().writeValueAsBytes(new Stored(Stored.FORMAT, source, groups)));
            if (gz.length > MAX_BYTES) {
                LOG.warn("{}: last good content not kept in ZooKeeper: {} bytes of gzip, over {}", source, gz.length,
                        MAX_BYTES);
                known.put(source, groups);
                return;
            }
            client.create().orSetData().creatingParentContainersIfNeeded().withMode(CreateMode.PERSISTENT)
                    .forPath(layout.lastGood(source), gz);
            known.put(source, groups);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("{}: last good content not kept in ZooKeeper: {}", source, e.toString());
        }
    }

    /** {@code source}'s last good content as kept, or empty (none kept, unreadable, ZooKeeper unreachable). */
    public Optional<List<TargetGroup>> read(String source) {
        if (client == null) {
            return Optional.empty();
        }
        String path = layout.lastGood(source);
        try {
            byte[] gz = client.getData().forPath(path);
            Stored stored = Json.mapper().readValue(ShareCodec.gunzip(gz, MAX_INFLATED_BYTES), Stored.class);
            if (stored.version() != Stored.FORMAT || !source.equals(stored.source())) {
                LOG.warn("{}: {} holds version {} of {}, not this source's; ignored", path, source, stored.version(),
                        stored.source());
                return Optional.empty();
            }
            List<TargetGroup> groups = List.copyOf(stored.groups());
            known.put(source, groups);
            return Optional.of(groups);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("{}: last good content of {} unreadable: {}", path, source, e.getMessage());
            return Optional.empty();
        } catch (Exception e) {
            LOG.warn("{}: last good content of {} not read: {}", path, source, e.toString());
            return Optional.empty();
        }
    }
}
