package io.promshard.coordinator.cluster;

import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerState;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.sidecar.SidecarConfiguration;
import io.promshard.sidecar.assignment.AppliedState;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.prometheus.Acknowledger;
import io.promshard.sidecar.registration.WorkerRegistration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;

/** A worker sidecar's real components (own ZooKeeper session, registration, watcher, file writer), without HTTP. */
public final class TestSidecar implements AutoCloseable {

    final String id;
    final CuratorFramework curator;
    final ShareWatcher watcher;
    final WorkerRegistration registration;
    final Acknowledger acknowledger;
    final FileSdDirectory files;
    private boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean holdAcks = new java.util.concurrent.atomic.AtomicBoolean();

    /** While held, applied assignments are not acknowledged, as when a Prometheus has not scraped them yet. */
    public void holdAcks(boolean hold) {
        holdAcks.set(hold);
    }

    /** The epoch last acknowledged, 0 before the first. */
    public long ackedEpoch() {
        return acknowledger.last() == null ? 0 : acknowledger.last().epoch();
    }

    public TestSidecar(String connectString, String cluster, String id, Path outputDir) {
        this(connectString, cluster, id, outputDir, false);
    }

    public TestSidecar(String connectString, String cluster, String id, Path outputDir, boolean handOver) {
        this(connectString, cluster, id, outputDir, handOver, WorkerState.ACTIVE);
    }

    /**
     * @param announced the state the worker registers with: UNREADY as a sidecar whose Prometheus does not
     *                  answer yet ({@link #announce} changes it)
     */
    public TestSidecar(String connectString, String cluster, String id, Path outputDir, boolean handOver,
                       WorkerState announced) {
        this.id = id;
        SidecarConfiguration config = new SidecarConfiguration();
        config.getZookeeper().setConnectString(connectString);
        config.getZookeeper().setCluster(cluster);
        // the same session timeout as the test coordinators: a crash is detected within it
        config.getZookeeper().setSessionTimeout(io.dropwizard.util.Duration.seconds(6));
        config.getWorker().setId(id);
        config.getWorker().setPrometheusUrl("http://127.0.0.1:" + (19090 + Math.abs(id.hashCode() % 1000)));
        config.setOutputDirectory(outputDir.toString());
        config.getWorker().setHandOverOnShutdown(handOver);
        config.getPrometheus().setEnabled(false); // acknowledges written files; the e2e suite runs real Prometheus
        this.curator = config.getZookeeper().buildCuratorFramework(connectString);
        this.watcher = config.buildShareWatcher(curator);
        this.registration = config.buildRegistration(curator, watcher);
        this.acknowledger = config.buildAcknowledger(curator, watcher, null, () -> !holdAcks.get());
        this.files = watcher.directory();
        registration.setState(announced);
        curator.start();
        watcher.start();
        registration.start();
        acknowledger.start();
    }

    /** Announces {@code state}, as the readiness monitor does when its Prometheus answers or stops answering. */
    public void announce(WorkerState state) {
        registration.setState(state);
    }

    public AppliedState applied() {
        return watcher.applied();
    }

    /** job/address -> this worker, for every target in its files. */
    public Map<String, String> owned() {
        Map<String, String> out = new HashMap<>();
        try {
            for (String job : files.names()) {
                for (TargetGroup g : files.read(job)) {
                    for (String t : g.targets()) {
                        out.put(job + "/" + t, id);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Ends the session without deregistering, as a killed process does. */
    void crash() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        acknowledger.stop();
        watcher.stop();
        curator.close();
    }

    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        acknowledger.stop();
        registration.stop();
        watcher.stop();
        curator.close();
    }
}
