package io.promshard.coordinator.membership;

import io.promshard.client.Json;
import io.promshard.client.api.WorkerConflict;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.zk.ZkLayout;
import io.promshard.coordinator.zk.BoundedChildren;
import io.promshard.coordinator.zk.ChildNodes;
import java.io.Closeable;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.utils.ZKPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live workers: a {@link BoundedChildren} of the ephemeral {@code workers/<id>} znodes. A znode
 * that does not parse as a {@link WorkerInfo}, or whose id does not match its name, is left out and
 * logged once per version.
 *
 * <p>Lifecycle LATENT -> STARTED -> CLOSED. Listeners run on Curator's cache thread and must only
 * hand work off; {@link #isInitialized()} turns true once the first full read is done.
 */
public final class Membership implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final ZkLayout layout;
    private final BoundedChildren cache;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final AtomicBoolean initialized = new AtomicBoolean();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> refusedVersions = new ConcurrentHashMap<>();
    private final Map<String, Departure> departures = new ConcurrentHashMap<>();
    /** Cache events seen; a snapshot built at an older count is stale. */
    private final AtomicLong changes = new AtomicLong();
    private volatile Snapshot last;
    private final ChildNodes<WorkerConflict> conflicts;

    private record Snapshot(long changes, SortedMap<String, WorkerInfo> workers) {
    }

    /** A worker whose znode vanished without announcing LEAVING: its session was lost, or it crashed. */
    public record Departure(WorkerInfo last, long atMillis) {
    }

    public Membership(CuratorFramework client, ZkLayout layout) {
        this.layout = layout;
        this.cache = new BoundedChildren(client, layout.workers(), BoundedChildren.Limits.SMALL_RECORDS);
        this.conflicts = new ChildNodes<>(client, layout.conflicts(),
                (path, data) -> Json.mapper().readValue(data, WorkerConflict.class));
    }

    /**
     * Sidecars refusing to register because another live sidecar holds their worker id (a copied
     * configuration), by worker id: the conflict in words.
     */
    public SortedMap<String, String> conflicts() {
        SortedMap<String, String> out = new TreeMap<>();
        conflicts.current().forEach((worker, c) -> out.put(worker, c.describe()));
        return out;
    }

    /** Worker and conflict znodes refused by the read limits, by path, with the reason. */
    public SortedMap<String, String> refusals() {
        SortedMap<String, String> out = new TreeMap<>(cache.refusals());
        out.putAll(conflicts.refusals());
        return out;
    }

    /** Called after the first full read and after every change of a worker znode. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Membership cannot be started more than once");
        }
        cache.addInitializedListener(() -> {
            initialized.set(true);
            fire();
        });
        cache.addListener((type, oldData, data) -> {
            changes.incrementAndGet();
            track(type, oldData, data);
            if (initialized.get()) {
                fire();
            }
        });
        cache.start();
        conflicts.start();
    }

    public boolean isInitialized() {
        return initialized.get();
    }

    /**
     * The live workers by id, sorted. Parsed once per change of the worker znodes (the status API,
     * every leader run and the workers API ask often; a thousand workers are a thousand JSON documents).
     */
    public SortedMap<String, WorkerInfo> snapshot() {
        long at = changes.get();
        Snapshot s = last;
        if (s != null && s.changes() == at) {
            return s.workers();
        }
        TreeMap<String, WorkerInfo> out = new TreeMap<>();
        cache.current().values().forEach(d -> parse(d, out));
        SortedMap<String, WorkerInfo> workers = Collections.unmodifiableSortedMap(out);
        last = new Snapshot(at, workers);
        return workers;
    }

    private void parse(ChildData data, Map<String, WorkerInfo> out) {
        String name = ZKPaths.getNodeFromPath(data.getPath());
        int version = data.getStat() == null ? -1 : data.getStat().getVersion();
        try {
            WorkerInfo info = Json.mapper().readValue(data.getData(), WorkerInfo.class);
            if (!info.id().equals(name)) {
                throw new IllegalArgumentException("id \"" + info.id() + "\" does not match the znode name");
            }
            if (info.version() != WorkerInfo.FORMAT) {
                throw new IllegalArgumentException("unsupported version " + info.version());
            }
            out.put(name, info);
            refusedVersions.remove(data.getPath());
        } catch (Exception e) {
            Integer before = refusedVersions.put(data.getPath(), version);
            if (before == null || before != version) {
                LOG.error("worker znode {} (version {}) is left out of membership: {}", data.getPath(), version,
                        e.getMessage());
            }
        }
    }

    private void track(CuratorCacheListener.Type type, ChildData oldData, ChildData data) {
        if (type == CuratorCacheListener.Type.NODE_DELETED && oldData != null) {
            Map<String, WorkerInfo> last = new TreeMap<>();
            parse(oldData, last);
            last.values().stream().filter(w -> w.state() != WorkerState.LEAVING)
                    .forEach(w -> departures.put(w.id(), new Departure(w, System.currentTimeMillis())));
        } else if (data != null) {
            // back UNREADY (a sidecar restarted while its Prometheus starts): still held, not withdrawn
            Map<String, WorkerInfo> back = new TreeMap<>();
            parse(data, back);
            if (back.values().stream().noneMatch(w -> w.state() == WorkerState.UNREADY)) {
                departures.remove(ZKPaths.getNodeFromPath(data.getPath()));
            }
        }
    }

    /**
     * Workers that vanished without announcing LEAVING less than {@code graceMillis} ago and are not
     * back, or are back UNREADY: they keep their targets until the grace period (counted from the
     * departure) ends or they are ACTIVE again. Older departures are forgotten.
     */
    public SortedMap<String, Departure> departedWithin(long graceMillis) {
        long now = System.currentTimeMillis();
        departures.values().removeIf(d -> d.atMillis() + graceMillis <= now);
        return new TreeMap<>(departures);
    }

    private void fire() {
        listeners.forEach(Runnable::run);
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            cache.close();
            conflicts.close();
        }
        listeners.clear();
    }
}
