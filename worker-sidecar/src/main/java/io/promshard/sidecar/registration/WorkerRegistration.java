package io.promshard.sidecar.registration;

import io.dropwizard.lifecycle.Managed;
import io.promshard.client.Json;
import io.promshard.client.api.WorkerConflict;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.service.Daemons;
import io.promshard.client.zk.ZkLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's ephemeral {@code workers/<id>} znode, kept by a Curator {@link PersistentNode}: it is
 * re-created after a session expiry or a deletion for as long as the sidecar runs, and deleted on
 * close (left to its session when ZooKeeper is unreachable then: {@link EphemeralNode}), so the
 * coordinators see this worker exactly while the sidecar is alive and connected. The znode is first
 * claimed ({@link IdClaim}): a sidecar started with the id of a live one does not register, acts as no
 * worker ({@link #ownsId()}) and reports the conflict.
 *
 * <p>Lifecycle LATENT -> STARTED -> CLOSED.
 */
public final class WorkerRegistration implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerRegistration.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final CuratorFramework client;
    private final boolean handOverOnStop;
    private final BooleanSupplier released;
    /** How long a hand-over waits for the coordinators to move this worker's targets away. */
    private static final long HAND_OVER_MILLIS = 30_000;
    private final WorkerInfo info;
    private final AtomicReference<WorkerState> wanted;
    private volatile WorkerState written;
    private final String path;
    private final IdClaim claim;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private static final long CHECK_MILLIS = 2_000;
    private final ScheduledExecutorService checker = Daemons.singleThread("promshard-registration");
    private final ConnectionStateListener listener = (c, newState) -> {
        if ((newState == ConnectionState.CONNECTED || newState == ConnectionState.RECONNECTED)
                && state.get() == State.STARTED) {
            try {
                checker.execute(this::check); // claim (or re-check) at once, not at the next round
            } catch (RejectedExecutionException stopped) {
                // stopping: nothing to check
            }
        }
    };

    /**
     * @param released       true once this worker's applied assignment is empty (the hand-over is done)
     * @param handOverOnStop announce LEAVING on {@link #stop()}, so that the targets move at once; otherwise a
     *                       stop looks like a lost session and the coordinators wait out the reassignment
     *                       delay (a restart then moves nothing)
     */
    public WorkerRegistration(CuratorFramework client, ZkLayout layout, WorkerInfo info, boolean handOverOnStop,
                              BooleanSupplier released) {
        this.client = client;
        this.released = released;
        this.handOverOnStop = handOverOnStop;
        this.path = layout.worker(info.id());
        String instance = info.instance().isEmpty() ? newInstance() : info.instance();
        this.info = info.withInstance(instance);
        this.wanted = new AtomicReference<>(info.state());
        this.written = info.state();
        this.claim = new IdClaim(client, layout, info.id(), instance, () -> {
            WorkerState s = wanted.get();
            written = s; // the znode is created with it
            return Json.mapper().writeValueAsBytes(withState(s));
        });
    }

    /** {@code host/pid/random}: names this sidecar process in its registration and in conflicts. */
    private static String newInstance() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + "/"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 32);
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("WorkerRegistration cannot be started more than once");
        }
        client.getConnectionStateListenable().addListener(listener);
        checker.scheduleWithFixedDelay(this::check, 0, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("worker={} registering at {} as sidecar {}", info.id(), path, info.instance());
    }

    /** One round of upkeep: claim the id (or keep it this sidecar's), then announce the state. */
    void check() {
        if (state.get() != State.STARTED || !client.getZookeeperClient().isConnected()) {
            return;
        }
        try {
            claim.check();
            writeState();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("worker={}: cannot check the registration at {}: {}", info.id(), path, e.toString());
        }
    }

    /** The conflict that keeps this sidecar from registering (another live sidecar holds the id), or null. */
    public WorkerConflict conflict() {
        return claim.conflict();
    }

    /**
     * Whether this sidecar may act as its worker (apply its assignment, acknowledge, report series):
     * it holds the registration. A duplicate of a live sidecar does none of it.
     */
    public boolean ownsId() {
        return state.get() == State.STARTED && claim.node() != null;
    }

    /**
     * Announces {@code newState} (ACTIVE when the local Prometheus answers, UNREADY when it does not).
     * Written at once when the znode exists, otherwise as soon as it does; LEAVING is reserved to
     * {@link #stop()}.
     */
    public void setState(WorkerState newState) {
        if (newState == WorkerState.LEAVING) {
            throw new IllegalArgumentException("LEAVING is announced by stop()");
        }
        if (wanted.getAndSet(newState) != newState && state.get() != State.CLOSED) {
            LOG.info("worker={}: announcing {}", info.id(), newState);
            try {
                checker.execute(this::writeState);
            } catch (RejectedExecutionException e) {
                LOG.debug("worker={}: stopped meanwhile; {} not announced", info.id(), newState);
            }
        }
    }

    /** The state announced last (or to be announced as soon as the znode exists). */
    public WorkerState state() {
        return wanted.get();
    }

    private void writeState() {
        WorkerState s = wanted.get();
        EphemeralNode node = claim.node();
        if (state.get() != State.STARTED || s == written || node == null) {
            return;
        }
        try {
            node.setData(Json.mapper().writeValueAsBytes(withState(s)));
            written = s;
        } catch (IllegalStateException e) {
            LOG.debug("worker={}: znode not created yet; {} is written when it is", info.id(), s);
        } catch (Exception e) {
            LOG.warn("worker={}: cannot announce {} yet: {}", info.id(), s, e.toString());
        }
    }

    private WorkerInfo withState(WorkerState s) {
        return info.withState(s);
    }

    /** Waits until this sidecar holds the registration. */
    public boolean awaitRegistered(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!claim.awaitFirstHeld(timeout, unit)) {
            return false;
        }
        EphemeralNode node = claim.node();
        return node != null
                && node.waitForInitialCreate(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Whether the znode exists now, as far as this client knows. */
    public boolean isRegistered() {
        EphemeralNode node = claim.node();
        return state.get() == State.STARTED && node != null && node.getActualPath() != null;
    }

    public WorkerInfo info() {
        return withState(wanted.get());
    }

    /**
     * Keeps the znode, LEAVING, until the coordinators have moved every target away (this worker's
     * Prometheus scrapes them until then, and the coordinators have certainly seen LEAVING before the
     * znode goes, so they do not hold its targets as if the session were lost), or until the timeout.
     */
    private void awaitReleased() throws InterruptedException {
        long deadline = System.currentTimeMillis() + HAND_OVER_MILLIS;
        while (!released.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50); // the assignment watcher offers no wake-up; a shutdown can afford polling
        }
        LOG.info("worker={}: {}", info.id(), released.getAsBoolean() ? "targets handed over"
                : "hand-over timed out after " + HAND_OVER_MILLIS + " ms; leaving anyway");
    }

    /**
     * Deletes the znode, first announcing LEAVING when configured to hand over (so the coordinators
     * move this worker's targets at once instead of waiting out the reassignment delay).
     */
    @Override
    public void stop() throws Exception {
        stop(handOverOnStop);
    }

    /**
     * Deletes the znode, first announcing LEAVING when {@code handOver}. Without a hand-over the worker
     * leaves as if it had stopped uncleanly: the coordinators hold its targets for the reassignment delay.
     */
    public void stop(boolean handOver) throws Exception {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            client.getConnectionStateListenable().removeListener(listener);
            checker.shutdownNow();
            checker.awaitTermination(5, TimeUnit.SECONDS); // a round in progress finishes before the node closes
            claim.close();
            EphemeralNode node = claim.node();
            if (node == null) {
                LOG.info("worker={} stopped without holding its registration", info.id());
                return;
            }
            String actual = node.getActualPath();
            if (handOver && actual != null && client.getZookeeperClient().isConnected()) {
                WorkerInfo leaving = withState(WorkerState.LEAVING);
                byte[] data = Json.mapper().writeValueAsBytes(leaving);
                // bounded: a hung ensemble must not hold the stop for as long as the retry policy retries
                KeeperException.Code rc = EphemeralNode.boundedWrite(
                        answer -> client.setData().inBackground(answer).forPath(actual, data));
                if (rc == KeeperException.Code.OK) {
                    awaitReleased();
                } else {
                    LOG.warn("worker={}: cannot announce LEAVING ({}); leaving without a hand-over", info.id(), rc);
                }
            }
            node.close();
            LOG.info("worker={} deregistered", info.id());
        }
    }
}
