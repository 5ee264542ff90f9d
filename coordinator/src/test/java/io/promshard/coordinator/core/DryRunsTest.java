package io.promshard.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.DryRun;
import io.promshard.client.api.Share;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.AssignmentInvariants;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.inventory.Inventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Dry runs: the engine on the leader's last inputs with one change, compared with what is in force. */
class DryRunsTest {

    private static final int TARGETS = 600;
    private final AssignmentEngine engine = new AssignmentEngine();
    private final List<Member> members = List.of(Member.of("w1", 1), Member.of("w2", 1), Member.of("w3", 1));
    private final ClusterView view;

    DryRunsTest() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < TARGETS; i++) {
            keys.add("node\u000010.0." + i / 200 + "." + i % 200 + ":9100");
        }
        Assignment inForce = engine.assign(TargetSet.of(keys), members, null);
        view = new ClusterView(12, 0, Inventory.empty(), inForce, members, new TreeMap<String, Share>(), Map.of());
    }

    @Test
    void drainingAWorkerMovesExactlyItsTargetsAndNothingElse() {
        int owned = view.assignment().countByWorker().get("w2");
        DryRun drain = DryRuns.run(view, engine, DryRuns.Scenario.DRAIN, "w2", 0, "", 10);
        assertEquals("drain", drain.scenario());
        assertEquals(12, drain.epoch());
        assertEquals(owned, drain.moved());
        assertEquals(0, drain.unplaced());
        assertEquals(10, drain.targets().size(), "listed up to the limit");
        assertTrue(drain.truncated());
        drain.targets().forEach(move -> {
            assertEquals(List.of("w2"), move.from());
            assertFalse(move.to().contains("w2"), move.target());
        });
        DryRun leave = DryRuns.run(view, engine, DryRuns.Scenario.LEAVE, "w2", 0, "", TARGETS);
        assertEquals(owned, leave.moved(), "a leave moves what a drain moves");
        assertFalse(leave.truncated());
    }

    @Test
    void aJoinMovesTargetsOnlyToTheJoinerAboutItsFairShare() {
        DryRun join = DryRuns.run(view, engine, DryRuns.Scenario.JOIN, "w4", 1, "", TARGETS);
        assertEquals(join.moved(), join.targets().size());
        join.targets().forEach(move -> assertEquals(List.of("w4"), move.to(), move.target()));
        assertEquals(TARGETS / 4.0, join.moved(), TARGETS / 4.0 * 0.1, "the minimum is a fair share");
        List<Member> after = new ArrayList<>(members);
        after.add(Member.of("w4", 1));
        AssignmentInvariants.check(engine.assign(view.assignment().targets(), after, view.assignment()), after);
    }

    @Test
    void anUnknownWorkerCannotLeaveAndAMemberCannotJoinAgain() {
        assertThrows(IllegalArgumentException.class,
                () -> DryRuns.run(view, engine, DryRuns.Scenario.LEAVE, "w9", 0, "", 10));
        assertThrows(IllegalArgumentException.class,
                () -> DryRuns.run(view, engine, DryRuns.Scenario.DRAIN, "w9", 0, "", 10));
        assertThrows(IllegalArgumentException.class,
                () -> DryRuns.run(view, engine, DryRuns.Scenario.JOIN, "w1", 1, "", 10));
    }
}
