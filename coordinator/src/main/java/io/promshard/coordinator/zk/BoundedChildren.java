package io.promshard.coordinator.zk;

import io.promshard.service.Daemons;
import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The children of one znode, one level deep, kept with their data and bounded before they are kept:
 * what CuratorCache does for one level, except that a parent with more children than
 * {@link Limits#maxChildren()}, a child larger than {@link Limits#maxChildBytes()}, or children
 * together larger than {@link Limits#maxTotalBytes()} are refused, with the path and the reason in
 * the log and in {@link #refusals()}, instead of being read into memory. A refused child keeps its
 * last good data; while the parent has too many children, no child is added (removals still apply).
 *
 * <p>Memory is bounded by {@code maxTotalBytes} plus the reads in flight: at most
 * {@value #READS_IN_FLIGHT} reads of at most one ZooKeeper packet ({@code jute.maxbuffer}, 1 MiB by
 * default) each; a list of children is one packet too.
 *
 * <p>Lifecycle LATENT -> STARTED -> CLOSED. Reads and watches run in the background; listeners run on
 * this cache's own thread, in the order of the changes, and must only hand work off. A reconnection
 * reads everything again (watches do not survive an expired session).
 */
public final class BoundedChildren implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(BoundedChildren.class);

    /** Data reads outstanding at once: the bound on bytes read but not yet checked. */
    static final int READS_IN_FLIGHT = 16;

    /**
     * What one parent may hold.
     *
     * @param maxChildren   children beyond this many are not read
     * @param maxChildBytes a child with more data than this is refused (its last good data stays)
     * @param maxTotalBytes the children's data together, kept at most
     */
    public record Limits(int maxChildren, int maxChildBytes, long maxTotalBytes) {

        /** Small records (registrations, acks, drains, conflicts): 100,000 children, 64 KiB each, 64 MiB. */
        public static final Limits SMALL_RECORDS = new Limits(100_000, 64 << 10, 64L << 20);

        public Limits {
            if (maxChildren < 1 || maxChildBytes < 1 || maxTotalBytes < maxChildBytes) {
                throw new IllegalArgumentException("limits must be positive and the total at least one child: "
                        + maxChildren + " children, " + maxChildBytes + " bytes each, " + maxTotalBytes + " in all");
            }
        }
    }

    /** A change of one child; {@code before} is null for a new child, {@code after} for a removed one. */
    @FunctionalInterface
    public interface Listener {
        void changed(CuratorCacheListener.Type type, ChildData before, ChildData after);
    }

    private enum State { LATENT, STARTED, CLOSED }

    private final CuratorFramework client;
    private final String parent;
    private final Limits limits;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> initializedListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private final Watcher childrenWatcher = this::childrenWatched;
    private final Watcher dataWatcher = this::dataWatched;
    private final ConnectionStateListener reconnect = this::connectionChanged;

    // guarded by this
    private final Map<String, ChildData> children = new HashMap<>();
    private final SortedMap<String, String> refused = new TreeMap<>();
    private final Deque<String> toRead = new ArrayDeque<>();
    private final Set<String> queued = new HashSet<>();
    private final Set<String> firstReads = new HashSet<>();
    private int reading;
    private long totalBytes;
    private boolean listed;
    private boolean initialized;

    public BoundedChildren(CuratorFramework client, String parent, Limits limits) {
        this.client = client;
        this.parent = parent;
        this.limits = limits;
        this.events = Daemons.singleThread("promshard-children" + parent.replace('/', '-'));
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Called once, after the first list of children and the first read of each were done. */
    public void addInitializedListener(Runnable listener) {
        initializedListeners.add(listener);
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("BoundedChildren(" + parent + ") cannot be started more than once");
        }
        client.createContainers(parent);
        client.getConnectionStateListenable().addListener(reconnect);
        listChildren();
    }

    /** The children read and kept now, by name. */
    public synchronized SortedMap<String, ChildData> current() {
        return new TreeMap<>(children);
    }

    /** What is refused now, by path: a path's reason, or the parent's when it has too many children. */
    public synchronized SortedMap<String, String> refusals() {
        return new TreeMap<>(refused);
    }

    public synchronized boolean isInitialized() {
        return initialized;
    }

    private boolean running() {
        return state.get() == State.STARTED;
    }

    private void listChildren() {
        if (!running()) {
            return;
        }
        try {
            client.getChildren().usingWatcher(childrenWatcher).inBackground((c, event) -> childrenListed(event))
                    .forPath(parent);
        } catch (Exception e) {
            LOG.warn("{}: cannot list children: {}", parent, e.toString());
        }
    }

    private void childrenWatched(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.NodeChildrenChanged
                || event.getType() == Watcher.Event.EventType.NodeCreated) {
            listChildren();
        } else if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
            listChildren(); // a container parent removed when empty: wait for it to come back
        }
    }

    private void childrenListed(CuratorEvent event) throws Exception {
        if (!running()) {
            return;
        }
        if (event.getResultCode() == KeeperException.Code.NONODE.intValue()) {
            // the parent is a container ZooKeeper removes once empty; an exists watch sees it return
            applyNames(List.of());
            client.checkExists().usingWatcher(childrenWatcher).inBackground().forPath(parent);
            return;
        }
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
            LOG.warn("{}: cannot list children: {}", parent, KeeperException.Code.get(event.getResultCode()));
            return; // the reconnection, or the next change, lists them again
        }
        applyNames(event.getChildren());
    }

    private synchronized void applyNames(List<String> names) {
        Set<String> present = new HashSet<>(names);
        for (String gone : List.copyOf(children.keySet())) {
            if (!present.contains(gone)) {
                removed(gone);
            }
        }
        refused.keySet().removeIf(path -> !path.equals(parent) && !present.contains(ZKPaths.getNodeFromPath(path)));
        if (names.size() > limits.maxChildren()) {
            refuse(parent, names.size() + " children, more than the limit of " + limits.maxChildren()
                    + "; none is added until there are fewer");
        } else {
            clearRefusal(parent);
            for (String name : names) {
                if (!children.containsKey(name)) {
                    if (!listed) {
                        firstReads.add(name);
                    }
                    enqueue(name);
                }
            }
        }
        listed = true;
        maybeInitialized();
    }

    private void dataWatched(WatchedEvent event) {
        if (event.getPath() == null) {
            return;
        }
        String name = ZKPaths.getNodeFromPath(event.getPath());
        if (event.getType() == Watcher.Event.EventType.NodeDataChanged) {
            synchronized (this) {
                enqueue(name);
            }
        } else if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
            synchronized (this) {
                removed(name);
            }
        }
    }

    /** Caller holds the lock. */
    private void enqueue(String name) {
        if (queued.add(name)) {
            toRead.add(name);
        }
        readMore();
    }

    /** Caller holds the lock. */
    private void readMore() {
        while (reading < READS_IN_FLIGHT && !toRead.isEmpty() && running()) {
            String name = toRead.poll();
            queued.remove(name);
            reading++;
            try {
                client.getData().usingWatcher(dataWatcher).inBackground((c, event) -> dataRead(name, event))
                        .forPath(ZKPaths.makePath(parent, name));
            } catch (Exception e) {
                reading--;
                LOG.warn("{}/{}: cannot read: {}", parent, name, e.toString());
            }
        }
    }

    private synchronized void dataRead(String name, CuratorEvent event) {
        reading--;
        String path = ZKPaths.makePath(parent, name);
        int code = event.getResultCode();
        if (!running()) {
            return;
        }
        if (code == KeeperException.Code.OK.intValue()) {
            keep(name, new ChildData(path, event.getStat(), event.getData() == null ? new byte[0] : event.getData()));
        } else if (code == KeeperException.Code.NONODE.intValue()) {
            removed(name);
        } else {
            LOG.warn("{}: cannot read: {}", path, KeeperException.Code.get(code));
        }
        firstReads.remove(name);
        maybeInitialized();
        readMore();
    }

    /** Caller holds the lock: keeps a child's new data unless a limit refuses it. */
    private void keep(String name, ChildData after) {
        ChildData before = children.get(name);
        long beforeBytes = before == null ? 0 : before.getData().length;
        int bytes = after.getData().length;
        if (bytes > limits.maxChildBytes()) {
            refuse(after.getPath(), bytes + " bytes, more than the limit of " + limits.maxChildBytes()
                    + (before == null ? "" : "; its last good data stays"));
            return;
        }
        if (totalBytes - beforeBytes + bytes > limits.maxTotalBytes()) {
            refuse(after.getPath(), "the children of " + parent + " would hold more than "
                    + limits.maxTotalBytes() + " bytes in all" + (before == null ? "" : "; its last good data stays"));
            return;
        }
        if (before != null && before.getStat().getMzxid() == after.getStat().getMzxid()) {
            return; // read again after a reconnection, unchanged
        }
        clearRefusal(after.getPath());
        children.put(name, after);
        totalBytes += bytes - beforeBytes;
        fire(before == null ? CuratorCacheListener.Type.NODE_CREATED : CuratorCacheListener.Type.NODE_CHANGED,
                before, after);
    }

    /** Caller holds the lock. */
    private void removed(String name) {
        ChildData before = children.remove(name);
        firstReads.remove(name);
        if (before != null) {
            totalBytes -= before.getData().length;
            fire(CuratorCacheListener.Type.NODE_DELETED, before, null);
        }
    }

    /** Caller holds the lock. */
    private void refuse(String path, String reason) {
        if (refused.put(path, reason) == null) {
            LOG.error("{} refused: {}", path, reason); // once until it is read again: a flood logs one line
        }
    }

    /** Caller holds the lock. */
    private void clearRefusal(String path) {
        if (refused.remove(path) != null) {
            LOG.info("{} is read again", path);
        }
    }

    /** Caller holds the lock. */
    private void maybeInitialized() {
        if (!initialized && listed && firstReads.isEmpty()) {
            initialized = true;
            dispatch(() -> initializedListeners.forEach(Runnable::run));
        }
    }

    /** Caller holds the lock: listeners run in order on the event thread, never under the lock. */
    private void fire(CuratorCacheListener.Type type, ChildData before, ChildData after) {
        dispatch(() -> listeners.forEach(l -> l.changed(type, before, after)));
    }

    private void dispatch(Runnable notification) {
        if (!running()) {
            return;
        }
        try {
            events.execute(notification);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: nobody listens any more
        }
    }

    private void connectionChanged(CuratorFramework c, ConnectionState newState) {
        if (newState == ConnectionState.RECONNECTED) {
            // an expired session took its watches with it: list and read everything again
            synchronized (this) {
                new ArrayList<>(children.keySet()).forEach(this::enqueue);
            }
            listChildren();
        }
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            client.getConnectionStateListenable().removeListener(reconnect);
        }
        listeners.clear();
        initializedListeners.clear();
        events.shutdown();
    }
}
