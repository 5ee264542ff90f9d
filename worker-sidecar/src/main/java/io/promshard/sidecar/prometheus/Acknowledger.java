package io.promshard.sidecar.prometheus;

import io.promshard.service.Daemons;
import io.dropwizard.lifecycle.Managed;
import io.promshard.client.Json;
import io.promshard.client.api.Share;
import io.promshard.client.api.WorkerAck;
import io.promshard.client.zk.ZkLayout;
import io.promshard.sidecar.assignment.AppliedState;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.registration.EphemeralNode;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code acks/<id>} (ephemeral) once the applied assignment is in force: with a local
 * Prometheus, when its {@code /api/v1/targets} shows every target of the files active and scraped
 * at least once (or dropped by its relabelling); without one, as soon as the files are written.
 * The coordinator ends hand-overs on these acks. Lifecycle LATENT -> STARTED -> CLOSED.
 */
public final class Acknowledger implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(Acknowledger.class);

    private final CuratorFramework client;
    private final String path;
    private final String worker;
    private final ShareWatcher watcher;
    private final PrometheusClient prometheus;
    private final BooleanSupplier ready;
    private final Duration interval;
    private final ScheduledExecutorService executor = Daemons.singleThread("promshard-ack");

    // owned by the executor thread
    private EphemeralNode node;
    private TargetIndex index;
    private String indexSha = "";

    private volatile WorkerAck last;
    private volatile int unconfirmed;

    /**
     * @param prometheus the local Prometheus, or null to acknowledge written files
     * @param ready      whether the local Prometheus answers (nothing is acknowledged while it does not)
     */
    public Acknowledger(CuratorFramework client, ZkLayout layout, ShareWatcher watcher, String worker,
                        PrometheusClient prometheus, BooleanSupplier ready, Duration interval) {
        this.client = client;
        this.path = layout.ack(worker);
        this.worker = worker;
        this.watcher = watcher;
        this.prometheus = prometheus;
        this.ready = ready;
        this.interval = interval;
    }

    @Override
    public void start() {
        watcher.addListener(s -> executor.execute(this::check));
        executor.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The last ack written, or null. */
    public WorkerAck last() {
        return last;
    }

    /** Targets of the applied assignment the local Prometheus has not confirmed yet. */
    public int unconfirmed() {
        return unconfirmed;
    }

    /** How long the applied assignment has waited for its ack, 0 when it has it. */
    public long lagMillis() {
        AppliedState s = watcher.applied();
        WorkerAck a = last;
        if (s.epoch() == 0 || a != null && a.epoch() == s.epoch() && a.sha256().equals(s.sha256())) {
            return 0;
        }
        return Math.max(0, System.currentTimeMillis() - s.appliedAtMillis());
    }

    private void check() {
        try {
            AppliedState s = watcher.applied();
            Share share = watcher.appliedShare();
            WorkerAck a = last;
            if (share == null || a != null && a.epoch() == s.epoch() && a.sha256().equals(s.sha256())) {
                return;
            }
            if (!ready.getAsBoolean()) {
                return;
            }
            boolean confirmed = prometheus != null;
            if (prometheus != null) {
                if (!s.sha256().equals(indexSha)) {
                    index = TargetIndex.of(share);
                    indexSha = s.sha256();
                }
                Set<String> open = index.unconfirmed(prometheus.targets());
                unconfirmed = open.size();
                if (!open.isEmpty()) {
                    LOG.debug("worker={} epoch={}: {} targets not scraped yet", worker, s.epoch(), open.size());
                    return;
                }
            }
            write(new WorkerAck(WorkerAck.FORMAT, worker, s.epoch(), s.sha256(), confirmed, System.currentTimeMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("worker={}: cannot confirm the applied assignment yet: {}", worker, e.toString());
        }
    }

    private void write(WorkerAck ack) throws Exception {
        byte[] data = Json.mapper().writeValueAsBytes(ack);
        if (node != null && node.getActualPath() != null) {
            node.setData(data);
        } else {
            if (node != null) {
                node.close();
            }
            node = new EphemeralNode(client, path, data);
            node.start();
        }
        last = ack;
        unconfirmed = 0;
        LOG.info("worker={} epoch={}: acknowledged{}", worker, ack.epoch(),
                ack.confirmed() ? " (every target scraped by Prometheus)" : " (files written; no Prometheus to ask)");
    }

    @Override
    public void stop() throws Exception {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
        if (node != null) {
            node.close();
        }
    }
}
