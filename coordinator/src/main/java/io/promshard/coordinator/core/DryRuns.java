package io.promshard.coordinator.core;

import io.promshard.client.api.DryRun;
import io.promshard.client.api.Target;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What would move if a worker left, was drained, or joined: the engine run on the leader's last
 * inputs with that one change, compared with the assignment in force. Changes nothing. A planned
 * move is also subject to the movement budget and a hand-off, which this does not model: it answers
 * where targets would end up, not how many epochs that takes.
 */
public final class DryRuns {

    /** The scenarios. */
    public enum Scenario { LEAVE, DRAIN, JOIN }

    private DryRuns() {
    }

    /**
     * @param capacity for {@code JOIN}: the new worker's capacity
     * @param zone     for {@code JOIN}: its zone ("" for none)
     * @param limit    at most this many moved targets are listed
     * @throws IllegalArgumentException when the worker is unknown (leave, drain) or already a member (join)
     */
    public static DryRun run(ClusterView view, AssignmentEngine engine, Scenario scenario, String worker,
                             int capacity, String zone, int limit) {
        List<Member> members = new ArrayList<>();
        boolean found = false;
        for (Member m : view.members()) {
            if (!m.id().equals(worker)) {
                members.add(m);
                continue;
            }
            found = true;
            if (scenario == Scenario.DRAIN) {
                members.add(m.asDraining());
            } else if (scenario == Scenario.JOIN) {
                members.add(m);
            }
        }
        if (scenario == Scenario.JOIN) {
            if (found) {
                throw new IllegalArgumentException("worker " + worker + " is already a member");
            }
            members.add(Member.of(worker, capacity).inZone(zone));
        } else if (!found) {
            throw new IllegalArgumentException("worker " + worker + " is not a member");
        }
        Assignment in = view.assignment();
        Assignment next = engine.assign(in.targets(), members, in);
        MoveList moves = new MoveList(limit);
        next.forEachChange(in, moves);
        // a leaver cannot be waited for; a drained worker keeps a second replica until the first is handed off
        long staggered = next.oneReplicaAtATime(in, key -> false,
                w -> scenario != Scenario.LEAVE || !w.equals(worker)).deferred();
        return new DryRun(scenario.name().toLowerCase(Locale.ROOT), worker, view.epoch(),
                next.movedFrom(in).count(), next.underReplicated().size(), List.copyOf(moves.listed),
                moves.changed > limit, staggered);
    }

    /** The changed targets, counted, the first {@code limit} of them listed. */
    private static final class MoveList implements Assignment.ChangeConsumer {
        private final int limit;
        private final List<DryRun.Move> listed = new ArrayList<>();
        private long changed;

        MoveList(int limit) {
            this.limit = limit;
        }

        @Override
        public void accept(int index, String key, List<String> before, List<String> after) {
            changed++;
            if (listed.size() < limit) {
                listed.add(new DryRun.Move(Target.display(key), before, after));
            }
        }
    }
}
