package io.promshard.coordinator.assign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Why a target is where it is: ranks in rendezvous order, states, fair shares and bounds. */
class ExplainTest {

    private static final AssignmentSettings SETTINGS = new AssignmentSettings(1, 0.1);

    private static TargetSet targets() {
        TargetSet.Builder builder = TargetSet.builder(101);
        for (int i = 0; i < 100; i++) {
            builder.add("node\u000010.0.0." + i + ":9100", 1, null);
        }
        builder.add("node\u0000pinned:9100", 1, new Pin(Set.of("w2"), ""));
        return builder.build();
    }

    private final List<Member> members = List.of(Member.of("w1", 1), Member.of("w2", 3), Member.of("w3", 1),
            Member.of("w4", 1).asDraining(), Member.of("w5", 1).asHeld());
    private final Assignment assignment = new AssignmentEngine(SETTINGS).assign(targets(), members, null);

    @Test
    void eligibleWorkersAreRankedByScoreAndOthersSayWhy() {
        String key = "node\u000010.0.0.7:9100";
        Explain.Explanation e = Explain.target(assignment, members, SETTINGS, key);
        assertEquals(key, e.key());
        assertEquals(assignment.owners(key), e.owners());
        assertEquals(5, e.candidates().size(), "every member");
        List<Explain.Candidate> eligible = e.candidates().subList(0, 3);
        for (int i = 0; i < eligible.size(); i++) {
            assertEquals("eligible", eligible.get(i).state());
            assertEquals(i + 1, eligible.get(i).rank());
            if (i > 0) {
                assertTrue(eligible.get(i - 1).score() >= eligible.get(i).score(), "preference order");
            }
        }
        assertEquals(Set.of("draining", "held"),
                Set.of(e.candidates().get(3).state(), e.candidates().get(4).state()));
        e.candidates().subList(3, 5).forEach(c -> {
            assertEquals(0, c.rank());
            assertEquals(0.0, c.fairShare());
        });
        assertEquals(1, e.candidates().stream().filter(Explain.Candidate::owner).count());
    }

    @Test
    void fairSharesFollowCapacityAndTheBoundIsTheBandAboveIt() {
        Explain.Explanation e = Explain.target(assignment, members, SETTINGS, "node\u000010.0.0.7:9100");
        double total = 0;
        for (Explain.Candidate c : e.candidates()) {
            total += c.fairShare();
            assertEquals((1 + SETTINGS.epsilon()) * c.fairShare(), c.bound(), 1e-9);
            double capacity = c.worker().equals("w2") ? 3 : 1;
            if (c.state().equals("eligible")) {
                assertEquals(101.0 * capacity / 5, c.fairShare(), 1e-9, c.worker());
            }
        }
        assertEquals(101.0, total, 1e-9, "R times the total weight, over the eligible workers");
        double held = e.candidates().stream().mapToDouble(Explain.Candidate::load).sum();
        assertEquals(101.0, held, 1e-9, "every target's weight is somewhere");
    }

    @Test
    void aPinnedTargetShowsTheWorkersItsPinExcludes() {
        Explain.Explanation e = Explain.target(assignment, members, SETTINGS, "node\u0000pinned:9100");
        assertEquals(List.of("w2"), e.owners());
        assertEquals("eligible", e.candidates().get(0).state());
        assertEquals("w2", e.candidates().get(0).worker());
        assertEquals(2, e.candidates().stream().filter(c -> c.state().equals("pinned-out")).count());
    }

    @Test
    void aKeyNotInTheAssignmentHasNoExplanation() {
        assertNull(Explain.target(assignment, members, SETTINGS, "node\u0000absent:9100"));
    }
}
