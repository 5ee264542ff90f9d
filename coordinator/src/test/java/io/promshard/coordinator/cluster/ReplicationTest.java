package io.promshard.coordinator.cluster;

import static io.promshard.coordinator.cluster.ClusterHarness.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.Poll;
import io.promshard.client.testing.PublishedShares;
import io.promshard.coordinator.CoordinatorConfiguration;
import io.promshard.coordinator.inventory.JobConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job's own replication through the real coordinator and sidecars: job {@code node} at replication
 * 2, job {@code api} on every worker, the global factor 1. A drain of two workers that hold both
 * replicas of some targets moves one replica of each at a time: the second waits, owned by its
 * drained worker, until the first one's hand-off ends.
 */
class ReplicationTest {

    private static final List<String> WORKERS = List.of("w1", "w2", "w3", "w4", "w5");

    @RegisterExtension
    final ClusterHarness cluster = new ClusterHarness();

    /** node at replication 2, api on every worker. */
    private static final Consumer<CoordinatorConfiguration> REPLICATED = c -> {
        for (JobConfig job : c.getInventory().getJobs()) {
            job.setReplication(job.getName().equals("node") ? "2" : "all");
        }
    };

    /** Polls until a consistent snapshot satisfies {@code condition}, and returns it. */
    private PublishedShares awaitSnapshot(String what, Predicate<PublishedShares> condition) {
        List<PublishedShares> found = new ArrayList<>();
        Poll.until(what, WAIT, () -> {
            Optional<PublishedShares> s = cluster.published(WORKERS);
            if (s.isPresent() && condition.test(s.get())) {
                found.add(s.get());
                return true;
            }
            return false;
        });
        return found.get(0);
    }

    private static boolean settled(PublishedShares s, Set<String> live, int targets) {
        Map<String, Set<String>> owners = s.owners();
        return owners.size() == targets && s.handedOffBy().isEmpty() && owners.entrySet().stream().allMatch(e ->
                live.containsAll(e.getValue())
                        && e.getValue().size() == (e.getKey().startsWith("node/") ? 2 : live.size()));
    }

    @Test
    void aJobsOwnReplicationHoldsAndADrainMovesOneReplicaOfATargetAtATime() throws Exception {
        ClusterHarness.RunningCoordinator c1 = cluster.coordinator("c1", REPLICATED);
        WORKERS.forEach(cluster::sidecar);
        PublishedShares settled = awaitSnapshot("node on two workers, api on all five",
                s -> settled(s, Set.copyOf(WORKERS), cluster.targetCount));
        cluster.awaitApplied(Set.copyOf(WORKERS));
        CoverageSampler sampler = cluster.sampleCoverage(20, 0);

        // the pair of workers holding both replicas of the most node targets drains at once
        String[] pair = mostSharedPair(settled.owners());
        Set<String> both = new TreeSet<>();
        settled.owners().forEach((t, o) -> {
            if (t.startsWith("node/") && o.containsAll(List.of(pair))) {
                both.add(t);
            }
        });
        assertTrue(both.size() >= 5, "the pair " + List.of(pair) + " shares " + both);
        Set<String> rest = new TreeSet<>(WORKERS);
        rest.removeAll(List.of(pair));
        rest.forEach(w -> cluster.sidecars.get(w).holdAcks(true)); // no hand-off can end yet
        // one drain published before the other, as an operator's two commands usually are: the second
        // finds the first one's hand-offs open (both at once is JobReplicationTest's)
        c1.coordinator().drains().drain(pair[0], new byte[0], Set.copyOf(WORKERS));
        awaitSnapshot(pair[0] + " owning no node target", s -> s.owners().values().stream()
                .noneMatch(owners -> owners.contains(pair[0])));
        c1.coordinator().drains().drain(pair[1], new byte[0], Set.copyOf(WORKERS));

        // a target with one replica on the second drained worker moves it at once, unless the first
        // drain's rebalance is handing off its other replica: then it waits its turn
        PublishedShares waiting = awaitSnapshot("the first replicas handed off", s -> both.stream().allMatch(t ->
                s.handedOffBy().getOrDefault(t, Set.of()).size() == 1)
                && s.owners().entrySet().stream().filter(e -> e.getKey().startsWith("node/")
                        && !both.contains(e.getKey())).allMatch(e -> rest.containsAll(e.getValue())
                        || s.handedOffBy().getOrDefault(e.getKey(), Set.of()).size() == 1));
        for (String t : both) {
            Set<String> drainedOwners = new TreeSet<>(waiting.owners().get(t));
            drainedOwners.retainAll(List.of(pair));
            assertEquals(1, drainedOwners.size(), t + ": one drained worker keeps its replica while the other's "
                    + "hand-off is open; owners " + waiting.owners().get(t) + ", handed off by "
                    + waiting.handedOffBy().get(t));
            assertEquals(2, waiting.owners().get(t).size(), t);
        }

        rest.forEach(w -> cluster.sidecars.get(w).holdAcks(false));
        awaitSnapshot("the drain finished: node on two of the other three, api on all three",
                s -> settled(s, rest, cluster.targetCount));
        assertEquals(Set.of(), sampler.everMissing(), "targets missing from every worker's files at some moment");
    }

    /** The two workers that share the most targets of {@code owners}. */
    private static String[] mostSharedPair(Map<String, Set<String>> owners) {
        Map<String, Integer> shared = new TreeMap<>();
        owners.forEach((t, o) -> {
            if (t.startsWith("node/")) {
                shared.merge(String.join(",", o), 1, Integer::sum);
            }
        });
        String best = shared.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        return best.split(",");
    }
}
