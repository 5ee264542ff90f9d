package io.promshard.coordinator.leader;

import io.promshard.client.zk.ZkLayout;
import java.io.Closeable;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinator election over a Curator {@link LeaderLatch} under {@code leader/}. Leadership can end
 * at any moment (SUSPENDED or LOST connection, session expiry), so callers read
 * {@link #isLeader()} right before acting and fence every write on {@link #latchPath()}: a
 * transaction that checks that znode cannot commit once this instance's session is gone.
 *
 * <p>Lifecycle LATENT -> STARTED -> CLOSED; closing gives up leadership and deletes the latch node.
 */
public final class Leadership implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final String id;
    private final CuratorFramework client;
    private final String path;
    private final AtomicReference<LeaderLatch> latch = new AtomicReference<>();
    private final List<LeaderLatchListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);

    public Leadership(CuratorFramework client, ZkLayout layout, String id) {
        this.id = id;
        this.client = client;
        this.path = layout.leader();
        this.latch.set(new LeaderLatch(client, path, id));
    }

    /**
     * @param onChange called with true when this instance gains leadership and false when it loses it;
     *                 runs on Curator's event thread and must only hand work off
     */
    public void addListener(Consumer<Boolean> onChange) {
        LeaderLatchListener listener = new LeaderLatchListener() {
            @Override
            public void isLeader() {
                LOG.info("coordinator {} is now the leader", id);
                onChange.accept(true);
            }

            @Override
            public void notLeader() {
                LOG.info("coordinator {} is no longer the leader", id);
                onChange.accept(false);
            }
        };
        listeners.add(listener);
        latch.get().addListener(listener);
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Leadership cannot be started more than once");
        }
        latch.get().start();
    }

    /**
     * Leaves the election and enters it again with a new latch znode. For a latch that believes it
     * leads although its znode is gone (deleted by hand: Curator's LeaderLatch does not watch its own
     * node, CURATOR-171): the fence check finds that, and without a new znode this coordinator would
     * neither publish nor let the election see it again. Listeners hear {@code false}, then
     * {@code true} if it wins again.
     */
    public synchronized void rejoin() throws Exception {
        if (state.get() != State.STARTED) {
            return;
        }
        LeaderLatch fresh = new LeaderLatch(client, path, id);
        listeners.forEach(fresh::addListener);
        LeaderLatch old = latch.getAndSet(fresh);
        LOG.warn("coordinator {}: its latch znode {} is gone or not its own; entering the election again", id,
                old.getOurPath());
        old.close(LeaderLatch.CloseMode.NOTIFY_LEADER);
        fresh.start();
    }

    public String id() {
        return id;
    }

    public boolean isLeader() {
        return state.get() == State.STARTED && latch.get().hasLeadership();
    }

    /** Whether the ZooKeeper session is connected now. */
    public boolean connected() {
        return client.getZookeeperClient().isConnected();
    }

    /** This instance's latch znode, for fencing; empty before it is created. */
    public Optional<String> latchPath() {
        return Optional.ofNullable(latch.get().getOurPath());
    }

    /** The current leader's id as seen in ZooKeeper, or empty when there is none or it cannot be read. */
    public Optional<String> leaderId() {
        try {
            Participant leader = latch.get().getLeader();
            return leader != null && leader.isLeader() ? Optional.of(leader.getId()) : Optional.empty();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }
    }

    /** Ids of every coordinator in the election, leader first; empty when they cannot be read. */
    public List<String> participants() {
        try {
            return latch.get().getParticipants().stream().sorted(Comparator.comparing(p -> !p.isLeader()))
                    .map(Participant::getId).toList();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        }
    }

    @Override
    public void close() throws IOException {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            latch.get().close();
        }
    }
}
