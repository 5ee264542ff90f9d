package io.promshard.coordinator.drain;

import io.promshard.client.zk.ZkLayout;
import io.promshard.coordinator.zk.BoundedChildren;
import java.io.Closeable;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Workers an operator is draining: persistent {@code drains/<id>} znodes, so every coordinator (and a
 * new leader) sees the same set. A drained worker keeps running but owns nothing once its targets
 * have moved. Lifecycle LATENT -> STARTED -> CLOSED; listeners run on Curator's cache thread and
 * must only hand work off.
 */
public final class Drains implements Closeable {

    private enum State { LATENT, STARTED, CLOSED }

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final BoundedChildren cache;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public Drains(CuratorFramework client, ZkLayout layout) {
        this.client = client;
        this.layout = layout;
        this.cache = new BoundedChildren(client, layout.drains(), BoundedChildren.Limits.SMALL_RECORDS);
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Drains cannot be started more than once");
        }
        cache.addListener((type, before, after) -> listeners.forEach(Runnable::run));
        cache.start();
    }

    /** Drain znodes refused by the read limits, by path, with the reason. */
    public SortedMap<String, String> refusals() {
        return cache.refusals();
    }

    /** Ids of the workers being drained. */
    public Set<String> current() {
        return new TreeSet<>(cache.current().keySet());
    }

    /** What a drain request decided. */
    public enum Outcome {
        /** The worker was not drained; now it is. */
        STARTED,
        /** The worker was drained already. */
        ALREADY_DRAINED,
        /** Refused: no active worker would be left undrained. */
        REFUSED
    }

    /**
     * Starts draining {@code worker} unless that would leave none of {@code active} undrained. The
     * check and the write are one ZooKeeper decision: the drain set is read with the version of
     * {@code drains/}, and the transaction that creates the drain bumps that version, so of requests
     * decided on the same set only one commits; the others decide again on the set it left. No
     * moment therefore has every active worker drained, however many requests arrive at once, at
     * whichever coordinators.
     *
     * @param active the workers announcing ACTIVE now
     */
    public Outcome drain(String worker, byte[] reason, Set<String> active) throws Exception {
        while (true) {
            Versioned drained = read();
            if (drained.workers().contains(worker)) {
                return Outcome.ALREADY_DRAINED;
            }
            Set<String> left = new TreeSet<>(active);
            left.removeAll(drained.workers());
            left.remove(worker);
            if (left.isEmpty()) {
                return Outcome.REFUSED;
            }
            if (commit(drained.version(), client.transactionOp().create().withMode(CreateMode.PERSISTENT)
                    .forPath(layout.drain(worker), reason))) {
                return Outcome.STARTED;
            }
        }
    }

    /** Stops draining {@code worker}; true if it was drained. Bumps the version like {@link #drain}. */
    public boolean undrain(String worker) throws Exception {
        while (true) {
            Versioned drained = read();
            if (!drained.workers().contains(worker)) {
                return false;
            }
            if (commit(drained.version(), client.transactionOp().delete().forPath(layout.drain(worker)))) {
                return true;
            }
        }
    }

    /** The drain set as ZooKeeper holds it now, with the data version of {@code drains/}. */
    private record Versioned(Set<String> workers, int version) {
    }

    private Versioned read() throws Exception {
        while (true) {
            try {
                Stat stat = new Stat();
                client.getData().storingStatIn(stat).forPath(layout.drains());
                Set<String> workers = new TreeSet<>(client.getChildren().forPath(layout.drains()));
                return new Versioned(workers, stat.getVersion());
            } catch (KeeperException.NoNodeException e) {
                client.createContainers(layout.drains()); // a container with no children is removed by the server
            }
        }
    }

    /** Whether the change committed together with the version bump; false when another decision came first. */
    private boolean commit(int version, CuratorOp change) throws Exception {
        try {
            client.transaction().forOperations(
                    client.transactionOp().setData().withVersion(version).forPath(layout.drains(), new byte[0]), change);
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
                 | KeeperException.NodeExistsException e) {
            return false; // decide again on what is there now
        }
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            cache.close();
        }
        listeners.clear();
    }
}
