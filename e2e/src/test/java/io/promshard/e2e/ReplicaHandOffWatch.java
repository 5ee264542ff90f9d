package io.promshard.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.api.Share;
import io.promshard.client.api.ShareView;
import io.promshard.client.testing.PublishedShares;
import io.promshard.coordinator.assign.AssignmentInvariants;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Reads, every {@link #INTERVAL_MILLIS} while a test runs, the shares the coordinator publishes for
 * the live workers (its API, between two equal reads of the status's epoch) and checks each epoch
 * read whole against the one-replica-at-a-time rule
 * ({@link AssignmentInvariants#checkOneReplicaHandedOffAtATime}): a kill, a join or a drain never has
 * two previous owners of a replicated target handing it off to two new ones at once.
 */
final class ReplicaHandOffWatch implements AutoCloseable {

    private static final long INTERVAL_MILLIS = 200;

    private final PromshardCluster cluster;
    private final Predicate<String> replicatedTwice;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger epochsChecked = new AtomicInteger();
    private final AtomicInteger replicatedHandOffs = new AtomicInteger();
    private final Thread thread;

    /** Starts watching; {@code replicatedTwice} names the targets ({@code job/address}) of jobs at replication 2. */
    ReplicaHandOffWatch(PromshardCluster cluster, Predicate<String> replicatedTwice) {
        this.cluster = cluster;
        this.replicatedTwice = replicatedTwice;
        this.thread = new Thread(this::loop, "replica-hand-off-watch");
        thread.setDaemon(true);
        thread.start();
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    /** Epochs read whole and checked. */
    int epochsChecked() {
        return epochsChecked.get();
    }

    /** Hand-offs of replicated targets seen over the checked reads (one per target and read). */
    int replicatedHandOffs() {
        return replicatedHandOffs.get();
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                read().ifPresent(this::check);
                Thread.sleep(INTERVAL_MILLIS); // the sampling interval
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a worker killed or a request refused while reading: that read is skipped
            }
        }
    }

    private Optional<PublishedShares> read() {
        long before = cluster.status().path("epoch").asLong();
        Map<String, Share> shares = new TreeMap<>();
        for (String worker : cluster.liveWorkers()) {
            JsonNode answer = Http.json(cluster.api("/assignments/" + worker));
            if (answer.isMissingNode()) {
                return Optional.empty(); // not published yet, or the coordinator did not answer
            }
            ShareView view = Json.mapper().convertValue(answer, ShareView.class);
            shares.put(worker, new Share(Share.FORMAT, worker, new TreeMap<>(view.jobs()),
                    new TreeMap<>(view.handoff())));
        }
        long after = cluster.status().path("epoch").asLong();
        return before == after && before > 0 ? Optional.of(new PublishedShares(before, shares))
                : Optional.empty();
    }

    private void check(PublishedShares published) {
        Map<String, Set<String>> handedOffBy = published.handedOffBy();
        handedOffBy.keySet().stream().filter(replicatedTwice).forEach(key -> replicatedHandOffs.incrementAndGet());
        try {
            AssignmentInvariants.checkOneReplicaHandedOffAtATime(published.owners(), handedOffBy, replicatedTwice);
        } catch (AssertionError e) {
            violations.add("epoch " + published.epoch() + ": " + e.getMessage());
        }
        epochsChecked.incrementAndGet();
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
    }
}
