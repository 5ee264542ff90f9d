package io.promshard.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.api.Share;
import io.promshard.client.api.ShareView;
import io.promshard.client.testing.PublishedShares;
import io.promshard.coordinator.assign.ReplicaHandOffCheck;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Reads, every {@link #INTERVAL_MILLIS} while a test runs, the shares the coordinator publishes for
 * the live workers (its API, between two equal reads of the status's epoch) and checks each epoch
 * read whole against the one-replica-at-a-time rule
 * ({@link ReplicaHandOffCheck}): a kill, a join or a drain never has
 * two previous owners of a replicated target handing it off to two new ones at once.
 */
final class ReplicaHandOffWatch implements AutoCloseable {

    private static final long INTERVAL_MILLIS = 200;

    private final PromshardCluster cluster;
    private final ReplicaHandOffCheck check;
    private final Thread thread;

    /** Starts watching; {@code replicatedTwice} names the targets ({@code job/address}) of jobs at replication 2. */
    ReplicaHandOffWatch(PromshardCluster cluster, Predicate<String> replicatedTwice) {
        this.cluster = cluster;
        this.check = new ReplicaHandOffCheck(replicatedTwice);
        this.thread = new Thread(this::loop, "replica-hand-off-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** What it saw: epochs checked, hand-offs of replicated targets, violations. */
    ReplicaHandOffCheck check() {
        return check;
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                read().ifPresent(check::check);
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

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
    }
}
