package io.promshard.coordinator.assign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.Seeds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A replication of a job's own ({@code inventory.jobs[].replication: N | all}) beside the global
 * factor, and the rule that a planned move takes one replica of a target at a time, all through
 * {@link AssignmentInvariants}.
 */
class JobReplicationTest {

    private static final int NODES = 6_000;
    private static final int APIS = 3_000;
    private static final int PROBES = 40;

    /** Jobs "node" (replication 2), "api" (the global factor, 1) and "probe" (every worker). */
    private static TargetSet mixed(List<String> node, List<String> api, List<String> probe) {
        TargetSet.Builder b = TargetSet.builder(node.size() + api.size() + probe.size());
        node.forEach(k -> b.add(k, 1, null, 2));
        api.forEach(k -> b.add(k, 1, null));
        probe.forEach(k -> b.add(k, 1, null, TargetSet.EVERY_WORKER));
        return b.build();
    }

    private static TargetSet mixed() {
        return mixed(EngineFixtures.keys("node", NODES), EngineFixtures.keys("api", APIS),
                EngineFixtures.keys("probe", PROBES));
    }

    private static List<Member> zoned(int n) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(Member.of(String.format("w%02d", i), 1).inZone("z" + (i % 2)));
        }
        return members;
    }

    private static List<String> keysOf(TargetSet set) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            keys.add(set.key(i));
        }
        return keys;
    }

    private static int ownersOfJob(Assignment a, String job, int expected) {
        int seen = 0;
        for (int i = 0; i < a.targets().size(); i++) {
            if (a.targets().key(i).startsWith(job + "\u0000")) {
                assertEquals(expected, a.owners(i).size(), a.targets().key(i) + " owners " + a.owners(i));
                seen++;
            }
        }
        return seen;
    }

    @Test
    void eachJobGetsItsOwnReplicationAndReplicasSpreadOverZones() {
        TargetSet set = mixed();
        List<Member> members = zoned(10);
        Assignment a = new AssignmentEngine().assign(set, members, null);
        AssignmentInvariants.check(a, keysOf(set), members);
        AssignmentInvariants.checkBalance(a, members, false, 1.05);
        assertEquals(NODES, ownersOfJob(a, "node", 2));
        assertEquals(APIS, ownersOfJob(a, "api", 1));
        assertEquals(PROBES, ownersOfJob(a, "probe", 10));
        Map<String, String> zone = new HashMap<>();
        members.forEach(m -> zone.put(m.id(), m.zone()));
        for (int i = 0; i < a.targets().size(); i++) {
            List<String> o = a.owners(i);
            if (a.replicas(i) == 2) {
                assertTrue(!zone.get(o.get(0)).equals(zone.get(o.get(1))), a.targets().key(i) + " in one zone: " + o);
            }
        }
        assertEquals(NODES * 2 + APIS, a.demand(10), 1e-6, "probes are on every worker alike: not balanced");
    }

    @Test
    void aJoinerGetsEveryProbeAndOnlyItsFairShareOfTheRest() {
        TargetSet set = mixed();
        List<Member> before = zoned(10);
        Assignment a = new AssignmentEngine().assign(set, before, null);
        List<Member> after = new ArrayList<>(before);
        after.add(Member.of("w10", 1).inZone("z0"));
        Assignment b = new AssignmentEngine().assign(set, after, a);
        AssignmentInvariants.check(b, keysOf(set), after);
        AssignmentInvariants.checkBalance(b, after, false, 1.05);
        assertEquals(PROBES, ownersOfJob(b, "probe", 11));
        List<Integer> lost = new ArrayList<>();
        b.forEachChange(a, (i, key, was, is) -> {
            if (!is.containsAll(was)) {
                lost.add(i);
            }
            if (b.replicas(i) == TargetSet.EVERY_WORKER) {
                assertEquals(List.of("w10"), is.stream().filter(w -> !was.contains(w)).toList(), key);
            }
        });
        double minimum = b.demand(11) / 11;
        double moved = b.movedFrom(a).weight() - PROBES; // the probes are added, not moved
        assertTrue(moved <= 1.10 * minimum + 1e-6, "moved " + moved + ", minimum " + minimum);
        assertTrue(lost.stream().noneMatch(i -> b.replicas(i) == TargetSet.EVERY_WORKER), "no probe lost an owner");
    }

    @Test
    void aLeaverOrADrainedWorkerTakesOnlyItsOwnCopyOfEachProbe() {
        TargetSet set = mixed();
        List<Member> members = zoned(8);
        Assignment a = new AssignmentEngine().assign(set, members, null);
        List<Member> drained = new ArrayList<>(members);
        drained.set(3, drained.get(3).asDraining());
        Assignment b = new AssignmentEngine().assign(set, drained, a);
        AssignmentInvariants.check(b, keysOf(set), drained);
        assertEquals(PROBES, ownersOfJob(b, "probe", 7));
        double held = a.weightByWorker().get("w03") - PROBES;
        assertEquals(held, b.movedFrom(a).weight(), 1e-6, "only the drained worker's balanced targets move");
    }

    @Test
    void probesRespectPinsAndHardCapsAndWhatDoesNotFitIsReported() {
        TargetSet.Builder builder = TargetSet.builder(50);
        Pin east = new Pin(Set.of(), "z1");
        EngineFixtures.keys("probe", 10).forEach(k -> builder.add(k, 1, east, TargetSet.EVERY_WORKER));
        EngineFixtures.keys("site", 10).forEach(k -> builder.add(k, 1, null, TargetSet.EVERY_WORKER));
        EngineFixtures.keys("api", 30).forEach(k -> builder.add(k, 1, null));
        TargetSet set = builder.build();
        List<Member> members = new ArrayList<>(zoned(4));
        members.set(0, members.get(0).withCaps(12, 0)); // w00 (z0) holds 10 site probes and 2 more at most
        Assignment a = new AssignmentEngine().assign(set, members, null);
        AssignmentInvariants.check(a, keysOf(set), members);
        for (int i = 0; i < a.targets().size(); i++) {
            if (a.targets().key(i).startsWith("probe\u0000")) {
                assertEquals(Set.of("w01", "w03"), Set.copyOf(a.owners(i)), "pinned to z1");
            }
        }
        assertTrue(a.underReplicated().isEmpty(), "everything fits: " + a.underReplicated());
        members.set(0, members.get(0).withCaps(5, 0)); // now five site probes cannot go to w00
        Assignment capped = new AssignmentEngine().assign(set, members, a);
        AssignmentInvariants.check(capped, keysOf(set), members);
        assertEquals(5, capped.underReplicated().size(), capped.underReplicated().toString());
        assertTrue(capped.underReplicated().stream().allMatch(k -> k.startsWith("site\u0000")));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aJobWhoseOwnReplicationEqualsTheFactorIsPlacedAsWithoutIt(int replication) {
        AssignmentEngine engine = new AssignmentEngine(new AssignmentSettings(replication, 0.05));
        List<String> keys = EngineFixtures.keys("node", 10_000);
        TargetSet.Builder own = TargetSet.builder(keys.size());
        keys.forEach(k -> own.add(k, 1, null, replication));
        List<Member> members = zoned(9);
        Assignment plain = engine.assign(TargetSet.of(keys), members, null);
        Assignment explicit = engine.assign(own.build(), members, null);
        assertEquals(plain.ownersByKey(), explicit.ownersByKey());
        List<Member> joined = new ArrayList<>(members);
        joined.add(Member.of("w99", 1).inZone("z1"));
        assertEquals(engine.assign(TargetSet.of(keys), joined, plain).ownersByKey(),
                engine.assign(own.build(), joined, explicit).ownersByKey());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void randomEventSequencesWithMixedJobsKeepEveryInvariant(int replication) {
        long seed = Seeds.seed("randomEventSequencesWithMixedJobsKeepEveryInvariant R=" + replication);
        Random random = new Random(seed);
        AssignmentEngine engine = new AssignmentEngine(new AssignmentSettings(replication, 0.05));
        List<String> nodePool = EngineFixtures.keys("node", 4_000);
        List<String> node = new ArrayList<>(nodePool.subList(0, 3_000));
        List<String> api = EngineFixtures.keys("api", 2_000);
        List<String> probe = EngineFixtures.keys("probe", 20);
        List<Member> members = new ArrayList<>(zoned(6));
        int nextId = 6;
        TargetSet set = mixed(node, api, probe);
        Assignment previous = engine.assign(set, members, null);
        for (int step = 0; step < 30; step++) {
            int roll = random.nextInt(8);
            long active = members.stream().filter(Member::takesTargets).count();
            String event;
            if (roll < 3 || active < 4) {
                event = "join";
                members.add(Member.of("w" + nextId++, 1).inZone("z" + random.nextInt(2)));
            } else if (roll < 5) {
                event = "leave";
                members.remove(random.nextInt(members.size()));
            } else if (roll < 6) {
                event = "drain";
                int i = random.nextInt(members.size());
                members.set(i, members.get(i).draining() ? members.get(i).withState(Member.State.ACTIVE)
                        : members.get(i).asDraining());
            } else {
                event = "inventory";
                for (int k = 0; k < 100; k++) {
                    String key = nodePool.get(random.nextInt(nodePool.size()));
                    if (!node.remove(key)) {
                        node.add(key);
                    }
                }
                set = mixed(node, api, probe);
            }
            Assignment next = engine.assign(set, members, previous);
            String where = "seed " + seed + " step " + step + " (" + event + ")";
            try {
                AssignmentInvariants.check(next, keysOf(set), members);
                AssignmentInvariants.checkBalance(next, members, false, 1.05 + 20.0 / NODES);
                Assignment published = Assignment.of(previous.ownersByKey(), previous.workers(), replication);
                assertEquals(next.ownersByKey(), engine.assign(set, members, published).ownersByKey(),
                        "a new leader from the published owners must agree");
            } catch (AssertionError e) {
                throw new AssertionError(where + ": " + e.getMessage(), e);
            }
            previous = next;
        }
    }

    /** Two workers drain that hold both replicas of many targets. */
    private record Drained(Assignment before, Assignment computed, List<Member> members) {
    }

    private static Drained bothReplicasDrained() {
        AssignmentEngine engine = new AssignmentEngine(new AssignmentSettings(2, 0.05));
        List<String> keys = EngineFixtures.keys("node", 2_000);
        List<Member> members = zoned(6);
        Assignment before = engine.assign(TargetSet.of(keys), members, null);
        List<Member> drained = new ArrayList<>(members);
        drained.set(0, drained.get(0).asDraining());
        drained.set(1, drained.get(1).asDraining());
        return new Drained(before, engine.assign(TargetSet.of(keys), drained, before), drained);
    }

    @Test
    void aPlannedMoveTakesOneReplicaAtATime() {
        Drained d = bothReplicasDrained();
        Set<String> both = new HashSet<>();
        d.computed().forEachChange(d.before(), (i, key, was, is) -> {
            if (was.containsAll(List.of("w00", "w01"))) {
                both.add(key);
            }
        });
        assertTrue(both.size() > 50, "the drain moves both replicas of " + both.size() + " targets");
        AssertionError unstaggered = assertThrows(AssertionError.class, () -> AssignmentInvariants
                .checkOneReplicaMovesAtATime(d.before(), d.computed(), key -> false, w -> true));
        assertTrue(unstaggered.getMessage().contains("moved 2 replicas at once"), unstaggered.getMessage());

        Assignment.Limited staggered = d.computed().oneReplicaAtATime(d.before(), key -> false, w -> true);
        AssignmentInvariants.checkOneReplicaMovesAtATime(d.before(), staggered.assignment(), key -> false, w -> true);
        assertEquals(both.size(), staggered.deferred());
        for (String key : both) {
            List<String> owners = staggered.assignment().owners(key);
            assertEquals(2, owners.size(), key + " keeps two owners: " + owners);
            assertEquals(1, owners.stream().filter(w -> w.equals("w00") || w.equals("w01")).count(),
                    key + ": one drained owner stays until the other replica's hand-off ends: " + owners);
        }
    }

    /**
     * A drain and a rebalance of the same target at once: the drained worker's replica moves first and
     * the staying worker's waits, so that the drain does not wait for a hand-off it did not need
     * (ReplicationTest's drain was held up when the staying owner came first in the target's list).
     */
    @Test
    void aDepartingOwnersReplicaMovesBeforeAStayingOnes() {
        List<String> members = List.of("w1", "w2", "w3", "w4", "w5");
        Assignment before = Assignment.of(Map.of("node/t:1", List.of("w1", "w2"), "node/u:1", List.of("w1", "w3")),
                members, 2);
        // w2 drained: the engine gives it nothing, and rebalances t's other replica too
        Assignment computed = Assignment.of(Map.of("node/t:1", List.of("w4", "w5"), "node/u:1", List.of("w1", "w3")),
                members, 2);
        Assignment.Limited staggered = computed.oneReplicaAtATime(before, key -> false, w -> true);
        assertEquals(1, staggered.deferred());
        List<String> owners = staggered.assignment().owners("node/t:1");
        assertTrue(owners.contains("w1") && !owners.contains("w2"), "the drained w2 moves, w1 waits: " + owners);
        AssignmentInvariants.checkOneReplicaMovesAtATime(before, staggered.assignment(), key -> false, w -> true);
    }

    @Test
    void aPublishedEpochHandsOffOneReplicaOfATargetAtATime() {
        Predicate<String> replicatedTwice = key -> key.startsWith("node/");
        Map<String, Set<String>> owners = Map.of("node/a:1", Set.of("w3", "w4"), "node/b:1", Set.of("w3"),
                "api/c:1", Set.of("w3", "w4"));
        // one replica moved; a move and a dropped replica (all but w3 drained); a job it does not apply to
        AssignmentInvariants.checkOneReplicaHandedOffAtATime(owners, Map.of("node/a:1", Set.of("w1"),
                "node/b:1", Set.of("w1", "w2"), "api/c:1", Set.of("w1", "w2")), replicatedTwice);
        AssertionError both = assertThrows(AssertionError.class, () -> AssignmentInvariants
                .checkOneReplicaHandedOffAtATime(owners, Map.of("node/a:1", Set.of("w1", "w2")), replicatedTwice));
        assertTrue(both.getMessage().contains("node/a:1 is handed off by [w1, w2]")
                || both.getMessage().contains("node/a:1 is handed off by [w2, w1]"), both.getMessage());
    }

    @Test
    void whileAReplicaIsHandedOffTheOthersStayAndAnUnplannedLossIsNotHeld() {
        Drained d = bothReplicasDrained();
        Assignment.Limited waiting = d.computed().oneReplicaAtATime(d.before(), key -> true, w -> true);
        AssignmentInvariants.checkOneReplicaMovesAtATime(d.before(), waiting.assignment(), key -> true, w -> true);
        waiting.assignment().forEachChange(d.before(), (i, key, was, is) -> {
            assertTrue(is.containsAll(was.stream().filter(w -> w.equals("w00") || w.equals("w01")).toList()),
                    key + " moved while handed off: " + was + " -> " + is);
        });
        // the drained workers are gone instead (mayKeep false): nothing can wait for them
        Assignment.Limited lost = d.computed().oneReplicaAtATime(d.before(), key -> true, w -> false);
        assertEquals(0, lost.deferred());
        assertEquals(d.computed().ownersByKey(), lost.assignment().ownersByKey());
        AssignmentInvariants.checkOneReplicaMovesAtATime(d.before(), lost.assignment(), key -> true, w -> false);
    }

    @Test
    void theStaggeredDrainEndsOnceTheFirstHandOffsHaveEnded() {
        Drained d = bothReplicasDrained();
        AssignmentEngine engine = new AssignmentEngine(new AssignmentSettings(2, 0.05));
        Assignment inForce = d.before();
        int epochs = 0;
        long deferred = 1;
        while (deferred > 0 && epochs < 5) {
            // every hand-off of an epoch ends before the next: nothing is handing off when it is computed
            Assignment computed = engine.assign(d.computed().targets(), d.members(), inForce);
            Assignment.Limited step = computed.oneReplicaAtATime(inForce, key -> false, w -> true);
            AssignmentInvariants.checkOneReplicaMovesAtATime(inForce, step.assignment(), key -> false, w -> true);
            inForce = step.assignment();
            deferred = step.deferred();
            epochs++;
        }
        AssignmentInvariants.check(inForce, d.members());
        AssignmentInvariants.checkBalance(inForce, d.members(), false, 1.05);
        assertEquals(2, epochs, "the second replicas move in the epoch after the first");
        assertEquals(d.computed().movedFrom(d.before()).count(), inForce.movedFrom(d.before()).count(),
                "each drained replica moves once, as in the unstaggered drain");
    }

    @Test
    void aBadReplicationIsRefusedNamingTheTarget() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TargetSet.builder(1).add("node\u0000a:1", 1, null, 17));
        assertTrue(e.getMessage().contains("node") && e.getMessage().contains("17"), e.getMessage());
    }
}
