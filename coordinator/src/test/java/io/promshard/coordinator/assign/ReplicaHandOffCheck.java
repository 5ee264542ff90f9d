package io.promshard.coordinator.assign;

import io.promshard.client.testing.PublishedShares;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * {@link AssignmentInvariants#checkOneReplicaHandedOffAtATime} over the published epochs a test
 * samples while it runs (the cluster tests from ZooKeeper, the end-to-end tests from the
 * coordinator's API): records what breaks the rule instead of throwing on the sampling thread, and
 * counts what it checked, so that a test can tell a quiet run from one that saw no hand-off.
 * Thread-safe.
 */
public final class ReplicaHandOffCheck {

    private final Predicate<String> replicatedTwice;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger epochsChecked = new AtomicInteger();
    private final AtomicInteger replicatedHandOffs = new AtomicInteger();

    /** @param replicatedTwice the targets ({@code job/address}) of jobs at replication 2 */
    public ReplicaHandOffCheck(Predicate<String> replicatedTwice) {
        this.replicatedTwice = replicatedTwice;
    }

    /** Checks one epoch read whole. */
    public void check(PublishedShares published) {
        Map<String, Set<String>> handedOffBy = published.handedOffBy();
        handedOffBy.keySet().stream().filter(replicatedTwice).forEach(key -> replicatedHandOffs.incrementAndGet());
        try {
            AssignmentInvariants.checkOneReplicaHandedOffAtATime(published.owners(), handedOffBy, replicatedTwice);
        } catch (AssertionError e) {
            violations.add("epoch " + published.epoch() + ": " + e.getMessage());
        }
        epochsChecked.incrementAndGet();
    }

    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** Epochs checked. */
    public int epochsChecked() {
        return epochsChecked.get();
    }

    /** Hand-offs of replicated targets seen over the checked epochs (one per target and epoch). */
    public int replicatedHandOffs() {
        return replicatedHandOffs.get();
    }
}
