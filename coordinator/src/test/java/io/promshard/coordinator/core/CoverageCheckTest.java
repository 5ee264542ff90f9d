package io.promshard.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promshard.client.api.Coverage;
import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerAck;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.assign.TargetSet;
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

    @Test
    void eachJobIsMeasuredAgainstItsOwnReplication() {
        Inventory inventory = new Inventory(Map.of(
                "node", List.of(TargetGroup.of(List.of("10.0.0.1:9100", "10.0.0.2:9100"), Map.of())),
                "probe", List.of(TargetGroup.of(List.of("10.0.0.9:9115"), Map.of()))));
        TargetSet.Builder b = TargetSet.builder(3);
        b.add(Target.keyOf("node", "10.0.0.1:9100", Target.Scrape.of(Map.of())), 1, null, 2);
        b.add(Target.keyOf("node", "10.0.0.2:9100", Target.Scrape.of(Map.of())), 1, null, 2);
        b.add(Target.keyOf("probe", "10.0.0.9:9115", Target.Scrape.of(Map.of())), 1, null, TargetSet.EVERY_WORKER);
        List<Member> members = List.of(Member.of("w1", 1), Member.of("w2", 1), Member.of("w3", 1));
        Assignment assignment = new AssignmentEngine().assign(b.build(), members, null);
        TreeMap<String, List<TargetGroup>> w1 = new TreeMap<>(Map.of(
                "node", List.of(TargetGroup.of(List.of("10.0.0.1:9100", "10.0.0.2:9100"), Map.of())),
                "probe", List.of(TargetGroup.of(List.of("10.0.0.9:9115"), Map.of()))));
        TreeMap<String, List<TargetGroup>> w2 = new TreeMap<>(Map.of(
                "node", List.of(TargetGroup.of(List.of("10.0.0.1:9100"), Map.of())),
                "probe", List.of(TargetGroup.of(List.of("10.0.0.9:9115"), Map.of()))));
        TreeMap<String, List<TargetGroup>> w3 = new TreeMap<>(Map.of(
                "probe", List.of(TargetGroup.of(List.of("10.0.0.9:9115"), Map.of()))));
        SortedMap<String, Share> shares = new TreeMap<>(Map.of(
                "w1", new Share(Share.FORMAT, "w1", w1, new TreeMap<>()),
                "w2", new Share(Share.FORMAT, "w2", w2, new TreeMap<>()),
                "w3", new Share(Share.FORMAT, "w3", w3, new TreeMap<>())));
        ClusterView view = new ClusterView(5, 0, inventory, assignment, members, shares,
                Map.of("w1", 5L, "w2", 5L, "w3", 5L));
        Coverage c = CoverageCheck.compute(view, Map.of("w1", ack("w1", 5), "w2", ack("w2", 5), "w3", ack("w3", 5)),
                1, 100);
        assertEquals(List.of(new Coverage.Job("node", "2", 2, 1, 1, 0), new Coverage.Job("probe", "all", 1, 1, 0, 0)),
                c.jobs(), "node .2 has one of its two replicas; the probe is on all three workers");
        assertEquals(2, c.covered());
        assertEquals(1, c.under());
        assertEquals(List.of(new Coverage.Entry(Target.display(Target.keyOf("node", "10.0.0.2:9100",
                Target.Scrape.of(Map.of()))), List.of("w1"))), c.underTargets());
    }

    /**
     * Counting per index (what the coordinator does when the target set is the inventory's) gives
     * exactly what counting key by key gives, on random assignments with hand-offs, acks and
     * unacknowledged shares, and again with the share indexes kept from the previous view.
     */
    @Test
    void countingByIndexIsCountingByKey() {
        long seed = System.nanoTime();
        System.out.println("CoverageCheckTest seed " + seed);
        java.util.Random random = new java.util.Random(seed);
        CoverageCheck.ShareIndexes kept = new CoverageCheck.ShareIndexes();
        for (int round = 0; round < 20; round++) {
            Map<String, List<TargetGroup>> jobs = new TreeMap<>();
            TargetSet.Builder b = TargetSet.builder(60);
            for (String job : List.of("node", "node2", "probe")) {
                List<String> addresses = new java.util.ArrayList<>();
                for (int t = 0; t < 5 + random.nextInt(20); t++) {
                    addresses.add("10.0." + job.length() + "." + t + ":9100");
                    b.add(Target.keyOf(job, addresses.get(t), Target.Scrape.of(Map.of())), 1, null,
                            job.equals("probe") && round % 3 == 0 ? TargetSet.EVERY_WORKER : 1 + random.nextInt(2));
                }
                jobs.put(job, List.of(TargetGroup.of(addresses, Map.of())));
            }
            List<Member> members = new java.util.ArrayList<>();
            for (int w = 1; w <= 2 + random.nextInt(4); w++) {
                members.add(Member.of("w" + w, 1));
            }
            Assignment assignment = new AssignmentEngine().assign(b.build(), members, null);
            SortedMap<String, Share> shares = new TreeMap<>();
            Map<String, Long> shareEpochs = new java.util.HashMap<>();
            Map<String, WorkerAck> acks = new java.util.HashMap<>();
            for (Member m : members) {
                Map<String, List<String>> owned = new TreeMap<>();
                Map<String, List<String>> handedOff = new TreeMap<>();
                for (int i = 0; i < assignment.targets().size(); i++) {
                    String key = assignment.targets().key(i);
                    String job = Target.jobOf(key);
                    String address = Target.display(key).substring(job.length() + 1).split("/")[0];
                    if (assignment.owners(i).contains(m.id())) {
                        owned.computeIfAbsent(job, j -> new java.util.ArrayList<>()).add(address);
                    } else if (random.nextInt(8) == 0) {
                        handedOff.computeIfAbsent(job, j -> new java.util.ArrayList<>()).add(address);
                    }
                }
                TreeMap<String, List<TargetGroup>> ownedGroups = new TreeMap<>();
                owned.forEach((job, a) -> ownedGroups.put(job, List.of(TargetGroup.of(a, Map.of()))));
                TreeMap<String, List<TargetGroup>> handoffGroups = new TreeMap<>();
                handedOff.forEach((job, a) -> handoffGroups.put(job, List.of(TargetGroup.of(a, Map.of()))));
                shares.put(m.id(), new Share(Share.FORMAT, m.id(), ownedGroups, handoffGroups));
                shareEpochs.put(m.id(), 5L + random.nextInt(2));
                if (random.nextInt(4) > 0) {
                    acks.put(m.id(), ack(m.id(), 5 + random.nextInt(2)));
                }
            }
            ClusterView view = new ClusterView(6, 0, new Inventory(jobs), assignment, members, shares, shareEpochs);
            int limit = 1 + random.nextInt(10);
            Coverage expected = CoverageCheck.byKey(view, acks, 2, limit);
            assertEquals(expected, CoverageCheck.compute(view, acks, 2, limit), "seed " + seed + " round " + round);
            assertEquals(expected, CoverageCheck.compute(view, acks, 2, limit, kept), "seed " + seed + " round " + round);
        }
    }
}
