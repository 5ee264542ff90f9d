package io.promshard.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promshard.client.api.Coverage;
import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerAck;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.inventory.Inventory;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Coverage: the inventory against the shares the workers acknowledged, exact, under, pending, over. */
class CoverageCheckTest {

    private static final Inventory INVENTORY = new Inventory(Map.of("node", List.of(TargetGroup.of(
            List.of("10.0.0.1:9100", "10.0.0.2:9100", "10.0.0.3:9100", "10.0.0.4:9100"), Map.of()))));

    private static Share share(String worker, List<String> owned, List<String> handedOff) {
        return new Share(Share.FORMAT, worker, groups(owned), groups(handedOff));
    }

    private static TreeMap<String, List<TargetGroup>> groups(List<String> addresses) {
        return addresses.isEmpty() ? new TreeMap<>()
                : new TreeMap<>(Map.of("node", List.of(TargetGroup.of(addresses, Map.of()))));
    }

    private static WorkerAck ack(String worker, long epoch) {
        return new WorkerAck(WorkerAck.FORMAT, worker, epoch, "", true, 0);
    }

    private static String display(String address) {
        return Target.display(Target.keyOf("node", address, Target.Scrape.of(Map.of())));
    }

    /**
     * w1 owns .1 and .2 and still scrapes .3 for a hand-off to w2 (share of epoch 7); w2 owns .3 and .4
     * (share of epoch 8).
     */
    private static ClusterView view() {
        SortedMap<String, Share> shares = new TreeMap<>(Map.of(
                "w1", share("w1", List.of("10.0.0.1:9100", "10.0.0.2:9100"), List.of("10.0.0.3:9100")),
                "w2", share("w2", List.of("10.0.0.3:9100", "10.0.0.4:9100"), List.of())));
        return new ClusterView(8, 0, INVENTORY, Assignment.empty(), List.of(Member.of("w1", 1), Member.of("w2", 1)),
                shares, Map.of("w1", 7L, "w2", 8L));
    }

    @Test
    void aShareNotYetAcknowledgedLeavesItsTargetsUnderButPending() {
        Coverage c = CoverageCheck.compute(view(), Map.of("w1", ack("w1", 7), "w2", ack("w2", 7)), 1, 100);
        assertEquals(8, c.epoch());
        assertEquals(4, c.targets());
        assertEquals(3, c.covered(), ".1 and .2 by w1, .3 by w1's hand-off while w2 has not applied its share");
        assertEquals(1, c.under());
        assertEquals(1, c.pending(), "w2 has not applied epoch 8 yet: .4 waits for it");
        assertEquals(List.of(new Coverage.Entry(display("10.0.0.4:9100"), List.of())), c.underTargets());
        assertEquals(c.targets(), c.covered() + c.under() + c.over(), "every target counted once");
    }

    @Test
    void aHandOffAcknowledgedByBothOwnersIsOverCoveredAndCountedAsAHandOff() {
        Coverage c = CoverageCheck.compute(view(), Map.of("w1", ack("w1", 7), "w2", ack("w2", 8)), 1, 100);
        assertEquals(3, c.covered());
        assertEquals(0, c.under());
        assertEquals(1, c.over());
        assertEquals(1, c.handoffs());
        assertEquals(List.of(new Coverage.Entry(display("10.0.0.3:9100"), List.of("w1", "w2"))), c.overTargets());
    }

    @Test
    void aWorkerWithoutAnAcknowledgementCountsForNothingAndTheListsAreBounded() {
        Coverage c = CoverageCheck.compute(view(), Map.of(), 1, 1);
        assertEquals(0, c.covered());
        assertEquals(4, c.under());
        assertEquals(4, c.pending(), "every owner would make up the difference once it acknowledges");
        assertEquals(1, c.underTargets().size(), "listed up to the limit");
    }

    @Test
    void underReplicationIsMeasuredAgainstTheReplicationFactor() {
        Coverage c = CoverageCheck.compute(view(), Map.of("w1", ack("w1", 7), "w2", ack("w2", 8)), 2, 100);
        assertEquals(1, c.covered(), "only .3 (w1 hand-off and w2) has two workers");
        assertEquals(3, c.under());
        assertEquals(0, c.pending(), "no unacknowledged share would add a second worker");
    }
}
