package io.promshard.coordinator.leader;

import io.promshard.client.zk.ZkLayout;
import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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
    private final LeaderLatch latch;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);

    public Leadership(CuratorFramework client, ZkLayout layout, String id) {
        this.id = id;
        this.latch = new LeaderLatch(client, layout.leader(), id);
    }

    /**
     * @param onChange called with true when this instance gains leadership and false when it loses it;
     *                 runs on Curator's event thread and must only hand work off
     */
    public void addListener(java.util.function.Consumer<Boolean> onChange) {
        latch.addListener(new LeaderLatchListener() {
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
        });
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Leadership cannot be started more than once");
        }
        latch.start();
    }

    public String id() {
        return id;
    }

    public boolean isLeader() {
        return state.get() == State.STARTED && latch.hasLeadership();
    }

    /** This instance's latch znode, for fencing; empty before it is created. */
    public Optional<String> latchPath() {
        return Optional.ofNullable(latch.getOurPath());
    }

    /** The current leader's id as seen in ZooKeeper, or empty when there is none or it cannot be read. */
    public Optional<String> leaderId() {
        try {
            Participant leader = latch.getLeader();
            return leader != null && leader.isLeader() ? Optional.of(leader.getId()) : Optional.empty();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }
    }

    /** Ids of every coordinator in the election, leader first; empty when they cannot be read. */
    public java.util.List<String> participants() {
        try {
            return latch.getParticipants().stream().sorted(java.util.Comparator.comparing(p -> !p.isLeader()))
                    .map(Participant::getId).toList();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return java.util.List.of();
        }
    }

    @Override
    public void close() throws IOException {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            latch.close();
        }
    }
}
