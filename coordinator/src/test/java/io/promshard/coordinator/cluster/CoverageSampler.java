package io.promshard.coordinator.cluster;

import io.promshard.client.api.TargetGroup;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.coordinator.assign.ReplicaHandOffCheck;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The background check that no inventory target goes unscraped: every {@code intervalMillis} it
 * reads the files of every live sidecar of the harness (as a Prometheus would) and records a
 * violation for a target missing from all of them for longer than {@code windowMillis} (at once
 * when the window is 0), and for a file it cannot read. A worker that stops or crashes is
 * {@link #departing departing}: its targets count as scraped while its registration is still in
 * ZooKeeper, so the window starts when the coordinator can first know it is gone. Targets added
 * to the inventory are watched from the first sample that knows them. Once asked
 * ({@link #checkReplicaHandOffs}), every sample also reads the shares published for the harness's
 * sidecars in one epoch and records a violation where two replicas of a target move at a time
 * ({@link AssignmentInvariants#checkOneReplicaHandedOffAtATime}).
 */
final class CoverageSampler implements AutoCloseable {

    private final ClusterHarness cluster;
    private final long intervalMillis;
    private final long windowMillis;
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> departing = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Set<String> everMissing = new ConcurrentSkipListSet<>();
    private final AtomicInteger samples = new AtomicInteger();
    private volatile ReplicaHandOffCheck handOffs;
    private final Thread thread;

    private CoverageSampler(ClusterHarness cluster, long intervalMillis, long windowMillis) {
        this.cluster = cluster;
        this.intervalMillis = intervalMillis;
        this.windowMillis = windowMillis;
        long now = System.currentTimeMillis();
        cluster.inventoryTargets().forEach(t -> lastSeen.put(t, now));
        this.thread = new Thread(this::loop, "coverage-sampler");
        thread.setDaemon(true);
    }

    static CoverageSampler start(ClusterHarness cluster, long intervalMillis, long windowMillis) {
        CoverageSampler sampler = new CoverageSampler(cluster, intervalMillis, windowMillis);
        sampler.thread.start();
        return sampler;
    }

    /** {@code worker} is about to stop or crash: its current targets count as scraped while it is registered. */
    void departing(String worker) {
        departing.put(worker, Set.copyOf(cluster.sidecars.get(worker).owned().keySet()));
    }

    /** From now on, checks every sampled epoch's hand-offs of the targets {@code replicatedTwice} names. */
    void checkReplicaHandOffs(Predicate<String> replicatedTwice) {
        this.handOffs = new ReplicaHandOffCheck(replicatedTwice);
    }

    /** What the replica hand-off check saw; null when not asked for. */
    ReplicaHandOffCheck handOffs() {
        return handOffs;
    }

    /** What went wrong so far: targets missing past the window, unreadable files, replicas moved at once. */
    List<String> violations() {
        List<String> all = new ArrayList<>(violations);
        if (handOffs != null) {
            all.addAll(handOffs.violations());
        }
        return all;
    }

    /** Targets missing from every live worker's files past the window, at some sample. */
    Set<String> everMissing() {
        return Set.copyOf(everMissing);
    }

    int samples() {
        return samples.get();
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            sample(System.currentTimeMillis());
            samples.incrementAndGet();
            try {
                Thread.sleep(intervalMillis); // the sampling interval
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample(long now) {
        Set<String> inventory = cluster.inventoryTargets();
        lastSeen.keySet().retainAll(inventory);
        inventory.forEach(t -> lastSeen.putIfAbsent(t, now));
        for (Map.Entry<String, Set<String>> d : departing.entrySet()) {
            if (cluster.registered(d.getKey())) {
                d.getValue().forEach(target -> lastSeen.computeIfPresent(target, (k, v) -> now));
            } else {
                departing.remove(d.getKey());
            }
        }
        checkPublishedHandOffs();
        Set<String> present = scraped();
        for (Map.Entry<String, Long> e : lastSeen.entrySet()) {
            if (present.contains(e.getKey())) {
                e.setValue(now);
            } else if (windowMillis == 0 || now - e.getValue() > windowMillis) {
                everMissing.add(e.getKey());
                violations.add(e.getKey() + " missing from every live worker's files for " + (now - e.getValue())
                        + " ms");
                e.setValue(now);
            }
        }
    }

    private void checkPublishedHandOffs() {
        ReplicaHandOffCheck check = handOffs;
        if (check != null) {
            cluster.published(List.copyOf(cluster.sidecars.keySet())).ifPresent(check::check);
        }
    }

    /** Every target in some live sidecar's files, as {@code job/address}. */
    private Set<String> scraped() {
        Set<String> present = new HashSet<>();
        for (String id : List.copyOf(cluster.sidecars.keySet())) {
            FileSdDirectory dir = new FileSdDirectory(cluster.sidecarDir(id));
            try {
                for (String job : dir.names()) {
                    for (TargetGroup g : dir.read(job)) {
                        g.targets().forEach(target -> present.add(job + "/" + target));
                    }
                }
            } catch (Exception e) {
                violations.add("unreadable file of " + id + ": " + e);
            }
        }
        return present;
    }

    /** Stops sampling and waits for the last sample to finish. */
    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
    }
}
