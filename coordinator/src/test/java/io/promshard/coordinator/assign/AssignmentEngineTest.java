package io.promshard.coordinator.assign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.Seeds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AssignmentEngineTest {

    private final AssignmentEngine engine = new AssignmentEngine();

    private static List<Member> with(List<Member> members, Member extra) {
        List<Member> out = new ArrayList<>(members);
        out.add(extra);
        return out;
    }

    private static List<Member> without(List<Member> members, String id) {
        return members.stream().filter(m -> !m.id().equals(id)).toList();
    }

    @Test
    void everyTargetHasExactlyOneLiveOwnerAndBalanceIsCapped() {
        List<String> keys = EngineFixtures.keys("node", 100_000);
        List<Member> members = EngineFixtures.members(100);
        Assignment a = engine.assign(TargetSet.of(keys), members, null);
        AssignmentInvariants.check(a, keys, members);
        AssignmentInvariants.checkBalance(a, members, false, 1.05);
    }

    @Test
    void sameInputsInAnyOrderGiveTheSameAssignmentAndReassigningMovesNothing() {
        Random random = new Random(Seeds.seed("sameInputsInAnyOrder"));
        List<String> keys = new ArrayList<>(EngineFixtures.keys("api", 20_000));
        List<Member> members = new ArrayList<>(EngineFixtures.members(17));
        Assignment first = engine.assign(TargetSet.of(keys), members, null);
        Collections.shuffle(keys, random);
        Collections.shuffle(members, random);
        Assignment again = new AssignmentEngine().assign(TargetSet.of(keys), members, null);
        assertEquals(first.ownersByKey(), again.ownersByKey());
        Assignment sticky = engine.assign(TargetSet.of(keys), members, first);
        assertEquals(0, sticky.movedFrom(first).count());
        assertEquals(first.ownersByKey(), sticky.ownersByKey());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 10, 100, 1000})
    void aJoinMovesAtMostTenPercentMoreThanTheMinimum(int n) {
        List<String> keys = EngineFixtures.keys("node", Math.max(20_000, n * 100));
        TargetSet set = TargetSet.of(keys);
        List<Member> before = EngineFixtures.members(n);
        List<Member> after = with(before, new Member("joiner", 1));
        Assignment a = engine.assign(set, before, null);
        Assignment b = engine.assign(set, after, a);
        AssignmentInvariants.check(b, keys, after);
        AssignmentInvariants.checkBalance(b, after, false, 1.05);
        double minimum = keys.size() / (double) (n + 1);
        AssignmentInvariants.checkMovement(a, b, minimum, 1.10);
        assertTrue(b.countByWorker().get("joiner") >= 0.9 * minimum, "joiner got " + b.countByWorker().get("joiner"));
    }

    /**
     * A fleet started at once joins in many batches; each batch lowers everyone's fair share, and
     * workers above the cap shed. Shedding only down to the cap would leave hundreds of workers at
     * it, and the next single join would push all of them over (a target from each: hundreds of
     * shares rewritten for one join). Shedding to the middle of the band keeps the next join local.
     */
    @Test
    void aJoinAfterAMassStartChangesFewWorkers() {
        int n = 1000;
        List<String> keys = EngineFixtures.keys("node", 100_000);
        TargetSet set = TargetSet.of(keys);
        // a join into a fleet assigned at once: the joiner wins ~1/1001 of the 65,536 slots, each mostly one donor's
        List<Member> fleet = EngineFixtures.members(n);
        Assignment fresh = engine.assign(set, fleet, null);
        int steady = donors(fresh, engine.assign(set, with(fleet, new Member("joiner", 1)), fresh));
        // the same fleet started in batches of registrations, as 1,000 sidecars started at once reach a leader
        List<Member> members = new ArrayList<>(fleet.subList(0, 5));
        Assignment a = engine.assign(set, members, null);
        while (members.size() < n) {
            members.addAll(fleet.subList(members.size(), Math.min(n, members.size() + Math.max(1, members.size() / 4))));
            a = engine.assign(set, members, a);
            AssignmentInvariants.checkBalance(a, members, false, 1.05);
        }
        for (int join = 0; join < 3; join++) {
            List<Member> after = with(members, new Member("joiner" + join, 1));
            Assignment b = engine.assign(set, after, a);
            AssignmentInvariants.check(b, keys, after);
            AssignmentInvariants.checkBalance(b, after, false, 1.05);
            AssignmentInvariants.checkMovement(a, b, keys.size() / (double) after.size(), 1.10);
            int donors = donors(a, b);
            assertTrue(donors <= 2 * steady, "join " + join + " after the mass start: " + donors + " of " + members.size()
                    + " workers gave targets away; a join into a fleet assigned at once: " + steady);
            members = new ArrayList<>(after);
            a = b;
        }
    }

    /** The workers that lost a target from {@code before} to {@code after}. */
    private static int donors(Assignment before, Assignment after) {
        Set<String> losing = new java.util.HashSet<>();
        after.forEachChange(before, (i, key, was, is) -> was.stream().filter(w -> !is.contains(w)).forEach(losing::add));
        return losing.size();
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 100})
    void aBudgetedJoinSpreadsOverEpochsAndEndsWhereAnUnbudgetedOneDoes(int n) {
        List<String> keys = EngineFixtures.keys("node", 20_000);
        TargetSet set = TargetSet.of(keys);
        List<Member> before = EngineFixtures.members(n);
        List<Member> after = with(before, new Member("joiner", 1));
        Assignment start = engine.assign(set, before, null);
        Assignment unbudgeted = engine.assign(set, after, start);
        long budget = 1_000;
        Assignment current = start;
        java.util.Set<String> filling = java.util.Set.of();
        int epochs = 0;
        long moved = 0;
        while (true) {
            java.util.Set<String> f = filling;
            List<Member> members = after.stream().map(m -> f.contains(m.id()) ? m.asFilling() : m).toList();
            Assignment.Limited step = engine.assign(set, members, current).limitMoves(current, budget, w -> true);
            long thisEpoch = step.assignment().movedFrom(current).count();
            assertTrue(thisEpoch <= budget, "epoch " + epochs + " moved " + thisEpoch);
            moved += thisEpoch;
            current = step.assignment();
            filling = step.filling();
            epochs++;
            if (step.deferred() == 0) {
                break;
            }
            assertTrue(epochs < 100, "a budgeted join must converge");
        }
        long expected = unbudgeted.movedFrom(start).count();
        assertTrue(epochs >= expected / budget, "epochs " + epochs + " for " + expected + " moves");
        assertEquals(expected, moved, "a budget changes when targets move, not how many");
        AssignmentInvariants.check(current, keys, after);
        AssignmentInvariants.checkBalance(current, after, false, 1.05);
        assertEquals(0, engine.assign(set, after, current).movedFrom(current).count(), "the end state is stable");
    }

    @Test
    void forcedMovesIgnoreTheBudget() {
        List<String> keys = EngineFixtures.keys("node", 10_000);
        TargetSet set = TargetSet.of(keys);
        List<Member> before = EngineFixtures.members(4);
        Assignment start = engine.assign(set, before, null);
        String gone = before.get(0).id();
        Assignment next = engine.assign(set, without(before, gone), start);
        Assignment.Limited limited = next.limitMoves(start, 0, w -> !w.equals(gone));
        assertEquals(0, limited.deferred());
        assertEquals(start.countByWorker().get(gone).longValue(), limited.assignment().movedFrom(start).count());
        List<Member> draining = with(without(before, gone), Member.of(gone, 1).asDraining());
        Assignment.Limited drained = engine.assign(set, draining, start).limitMoves(start, 10, w -> true);
        assertEquals(10, drained.assignment().movedFrom(start).count());
        assertEquals(start.countByWorker().get(gone) - 10, drained.deferred());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 10, 100, 1000})
    void aLeaveMovesOnlyTheLeaversTargets(int n) {
        Random random = new Random(Seeds.seed("aLeaveMovesOnlyTheLeaversTargets n=" + n));
        List<String> keys = EngineFixtures.keys("node", Math.max(20_000, n * 100));
        TargetSet set = TargetSet.of(keys);
        List<Member> before = EngineFixtures.members(n);
        String leaver = before.get(random.nextInt(n)).id();
        List<Member> after = without(before, leaver);
        Assignment a = engine.assign(set, before, null);
        Assignment b = engine.assign(set, after, a);
        AssignmentInvariants.check(b, keys, after);
        AssignmentInvariants.checkBalance(b, after, false, 1.05);
        assertEquals(a.countByWorker().get(leaver).longValue(), b.movedFrom(a).count(), "only the leaver's targets move");
    }

    @Test
    void heavyTailedWeightsStayWithinTenPercent() {
        long seed = Seeds.seed("heavyTailedWeights");
        TargetSet set = EngineFixtures.weighted(EngineFixtures.keys("node", 100_000), new Random(seed));
        List<Member> members = EngineFixtures.members(100);
        Assignment a = engine.assign(set, members, null);
        AssignmentInvariants.check(a, members);
        AssignmentInvariants.checkBalance(a, members, true, 1.10);
        Assignment joined = engine.assign(set, with(members, new Member("joiner", 1)), a);
        AssignmentInvariants.checkBalance(joined, with(members, new Member("joiner", 1)), true, 1.10);
        AssignmentInvariants.checkMovement(a, joined, set.totalWeight() / 101, 1.10);
    }

    @Test
    void drainingWorkersOwnNothingAndOnlyTheirTargetsMove() {
        List<String> keys = EngineFixtures.keys("node", 30_000);
        TargetSet set = TargetSet.of(keys);
        List<Member> members = EngineFixtures.members(10);
        Assignment a = engine.assign(set, members, null);
        List<Member> draining = new ArrayList<>(without(members, "w0003"));
        draining.add(Member.of("w0003", 1).asDraining());
        Assignment b = engine.assign(set, draining, a);
        AssignmentInvariants.check(b, keys, draining);
        assertEquals(0, b.countByWorker().get("w0003"));
        assertEquals(a.countByWorker().get("w0003").longValue(), b.movedFrom(a).count());
        // undrained, it becomes a joiner again and takes a fair share back
        Assignment c = engine.assign(set, members, b);
        assertTrue(c.countByWorker().get("w0003") >= 2_700, "undrained worker got " + c.countByWorker().get("w0003"));
        AssignmentInvariants.checkMovement(b, c, 3_000, 1.10);
    }

    @Test
    void aDrainedWorkerThatThenLeavesMovesNothingMore() {
        // a graceful leave: LEAVING (draining) until its share is empty, then the znode goes
        List<String> keys = EngineFixtures.keys("node", 100_000);
        TargetSet set = TargetSet.of(keys);
        List<Member> members = EngineFixtures.members(100);
        Assignment a = engine.assign(set, members, null);
        List<Member> draining = new ArrayList<>(without(members, "w0042"));
        draining.add(Member.of("w0042", 1).asDraining());
        Assignment b = engine.assign(set, draining, a);
        Assignment c = engine.assign(set, without(members, "w0042"), b);
        assertEquals(0, c.movedFrom(b).count(), "the departure of an empty worker moved targets");
    }

    @Test
    void replicasGoToDistinctWorkersInDistinctZones() {
        AssignmentEngine r2 = new AssignmentEngine(new AssignmentSettings(2, 0.05));
        List<String> keys = EngineFixtures.keys("node", 20_000);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            members.add(Member.of("w" + i, 1).inZone("z" + (i % 3)));
        }
        Assignment a = r2.assign(TargetSet.of(keys), members, null);
        AssignmentInvariants.check(a, keys, members);
        AssignmentInvariants.checkBalance(a, members, false, 1.05);
        Map<String, String> zone = new HashMap<>();
        members.forEach(m -> zone.put(m.id(), m.zone()));
        for (int i = 0; i < a.targets().size(); i++) {
            List<String> o = a.owners(i);
            assertEquals(2, o.size());
            assertTrue(!zone.get(o.get(0)).equals(zone.get(o.get(1))), "same zone for " + a.targets().key(i) + ": " + o);
        }
        List<Member> after = without(members, "w4");
        Assignment b = r2.assign(TargetSet.of(keys), after, a);
        AssignmentInvariants.check(b, keys, after);
        assertEquals(a.countByWorker().get("w4").longValue(), b.movedFrom(a).count());
    }

    @Test
    void pinsAndHardCapsAreHonouredAndWhatCannotBePlacedIsReported() {
        TargetSet.Builder b = TargetSet.builder(3_000);
        Pin toAB = new Pin(Set.of("a", "b"), "");
        Pin toEast = new Pin(Set.of(), "east");
        Pin impossible = new Pin(Set.of("nobody"), "");
        List<String> keys = EngineFixtures.keys("node", 3_000);
        for (int i = 0; i < keys.size(); i++) {
            b.add(keys.get(i), 1, i < 100 ? toAB : i < 200 ? toEast : i == 200 ? impossible : null);
        }
        TargetSet set = b.build();
        List<Member> members = List.of(Member.of("a", 1).inZone("west"),
                Member.of("b", 1).inZone("west"), Member.of("c", 1).inZone("east"),
                Member.of("d", 1).inZone("east").withCaps(500, 0));
        Assignment a = engine.assign(set, members, null);
        AssignmentInvariants.check(a, members);
        assertEquals(List.of(keys.get(200)), a.underReplicated());
        assertTrue(a.countByWorker().get("d") <= 500);
        for (int i = 0; i < 200; i++) {
            List<String> o = a.owners(keys.get(i));
            assertTrue(i < 100 ? Set.of("a", "b").containsAll(o) : Set.of("c", "d").containsAll(o), keys.get(i) + o);
        }
    }

    @Test
    void atAThousandWorkersEveryWorkerGetsAShare() {
        List<String> keys = EngineFixtures.keys("node", 10_000);
        List<Member> members = EngineFixtures.members(1000);
        Assignment a = engine.assign(TargetSet.of(keys), members, null);
        AssignmentInvariants.check(a, keys, members);
        assertTrue(a.countByWorker().values().stream().allMatch(c -> c >= 5), "some worker got almost nothing");
    }

    @Test
    void shareFollowsCapacity() {
        List<String> keys = EngineFixtures.keys("node", 40_000);
        List<Member> members = List.of(new Member("small", 1), new Member("big", 3));
        Map<String, Integer> load = engine.assign(TargetSet.of(keys), members, null).countByWorker();
        double ratio = load.get("big") / (double) load.get("small");
        assertTrue(ratio > 2.85 && ratio < 3.15, "capacity 3 vs 1 gave a load ratio of " + ratio);
    }

    @Test
    void aNewLeaderReadingPublishedOwnersComputesTheSameJoin() {
        List<String> keys = EngineFixtures.keys("node", 20_000);
        TargetSet set = TargetSet.of(keys);
        List<Member> members = EngineFixtures.members(12);
        AssignmentEngine r2 = new AssignmentEngine(new AssignmentSettings(2, 0.05));
        Assignment inMemory = r2.assign(set, members, null);
        Assignment published = Assignment.of(inMemory.ownersByKey(), inMemory.workers(), 2);
        List<Member> joined = with(members, new Member("joiner", 1));
        assertEquals(r2.assign(set, joined, inMemory).ownersByKey(), r2.assign(set, joined, published).ownersByKey());
    }

    @Test
    void withoutMembersEveryTargetIsReportedUnassigned() {
        Assignment a = engine.assign(List.of("a\u0000h:1", "b\u0000h:2"), List.of());
        assertEquals(2, a.underReplicated().size());
        assertEquals(List.of(), a.owners("a\u0000h:1"));
    }

    @Test
    void duplicateMemberIdsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.assign(List.of("a\u0000h:1"), List.of(new Member("w", 1), new Member("w", 2))));
        assertTrue(e.getMessage().contains("duplicate member id w"), e.getMessage());
    }

    /** Pins the algorithm: a change to hashing, scoring or placement order shows up here as a deliberate decision. */
    @Test
    void fixedInputsGiveFixedOwners() {
        List<Member> members = List.of(new Member("w-a", 1), new Member("w-b", 1), new Member("w-c", 2));
        Assignment a = engine.assign(List.of("node\u0000127.0.0.1:9100", "node\u0000127.0.0.1:9101",
                "node\u0000127.0.0.1:9102", "node\u0000127.0.0.1:9103", "node\u0000127.0.0.1:9104",
                "node\u0000127.0.0.1:9105", "api\u000010.0.0.7:8080", "api\u000010.0.0.8:8080",
                "api\u000010.0.0.9:8080", "api\u000010.0.0.10:8080"), members);
        Map<String, String> owners = new java.util.TreeMap<>();
        a.ownersByKey().forEach((key, o) -> owners.put(key.replace('\u0000', '/'), o.get(0)));
        assertEquals(PINNED, owners.toString());
    }

    private static final String PINNED = "{api/10.0.0.10:8080=w-c, api/10.0.0.7:8080=w-a, api/10.0.0.8:8080=w-b, api/10.0.0.9:8080=w-c, node/127.0.0.1:9100=w-c, node/127.0.0.1:9101=w-c, node/127.0.0.1:9102=w-b, node/127.0.0.1:9103=w-a, node/127.0.0.1:9104=w-c, node/127.0.0.1:9105=w-a}";

    @Test
    void theCheckerCatchesViolations() {
        List<Member> members = EngineFixtures.members(2);
        List<String> keys = List.of("j\u0000h:1", "j\u0000h:2");
        Assignment missing = Assignment.of(Map.of("j\u0000h:1", List.of("w0000"), "j\u0000h:2", List.of()),
                List.of("w0000", "w0001"), 1);
        assertThrows(AssertionError.class, () -> AssignmentInvariants.check(missing, keys, members));
        Assignment dead = Assignment.of(Map.of("j\u0000h:1", List.of("w0000"), "j\u0000h:2", List.of("gone")),
                List.of("w0000", "w0001", "gone"), 1);
        assertThrows(AssertionError.class, () -> AssignmentInvariants.check(dead, keys, members));
        Assignment extra = Assignment.of(Map.of("j\u0000h:1", List.of("w0000"), "j\u0000h:2", List.of("w0001"),
                "j\u0000h:3", List.of("w0001")), List.of("w0000", "w0001"), 1);
        assertThrows(AssertionError.class, () -> AssignmentInvariants.check(extra, keys, members));
        Assignment skewed = Assignment.of(Map.of("j\u0000h:1", List.of("w0000"), "j\u0000h:2", List.of("w0000")),
                List.of("w0000", "w0001"), 1);
        assertThrows(AssertionError.class, () -> AssignmentInvariants.checkBalance(skewed, members, false, 1.05));
    }

    @Test
    void perWorkerCountsAndWeightsAreSummedOncePerAssignmentAndCannotBeChanged() {
        Assignment a = new AssignmentEngine().assign(TargetSet.of(EngineFixtures.keys("node", 1_000)),
                EngineFixtures.members(3), null);
        assertSame(a.countByWorker(), a.countByWorker(), "every /metrics page asks; a million placements summed once");
        assertSame(a.weightByWorker(), a.weightByWorker());
        assertEquals(1_000, a.countByWorker().values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(1_000.0, a.weightByWorker().values().stream().mapToDouble(Double::doubleValue).sum());
        assertThrows(UnsupportedOperationException.class, () -> a.countByWorker().put("w9", 1));
    }
}
