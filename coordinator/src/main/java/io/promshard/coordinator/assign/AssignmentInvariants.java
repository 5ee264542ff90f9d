package io.promshard.coordinator.assign;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The one checker of what every assignment must satisfy, shared by unit, integration and
 * end-to-end tests: each target owned by exactly {@code min(R_i, eligible workers it may use)}
 * distinct live, non-draining workers allowed by its pin ({@code R_i} its own replication or the
 * factor), a target on every worker by each eligible worker its pin allows, hard caps respected,
 * no planned move taking more than one replica of a target at a time, and, where asked, balance and
 * movement within their bounds.
 */
public final class AssignmentInvariants {

    private AssignmentInvariants() {
    }

    /** Ownership and hard caps, for the targets of the assignment itself. */
    public static void check(Assignment a, Collection<Member> members) {
        Map<String, Member> live = new HashMap<>();
        members.forEach(mm -> live.put(mm.id(), mm));
        long eligible = members.stream().filter(mm -> !mm.draining()).count();
        Set<String> under = new HashSet<>(a.underReplicated());
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Double> weights = new HashMap<>();
        TargetSet t = a.targets();
        for (int i = 0; i < t.size(); i++) {
            List<String> owners = a.owners(i);
            String key = t.key(i);
            if (new HashSet<>(owners).size() != owners.size()) {
                throw new AssertionError("target " + key + " has duplicate owners " + owners);
            }
            if (a.replicas(i) == TargetSet.EVERY_WORKER) {
                checkEveryWorker(a, i, members, under.contains(key));
            } else if (owners.size() != a.wanted(i, (int) eligible) && !under.contains(key)) {
                throw new AssertionError("target " + key + " has " + owners.size() + " owners " + owners
                        + ", expected " + a.wanted(i, (int) eligible) + " and it is not reported under-replicated");
            }
            for (String o : owners) {
                Member mm = live.get(o);
                if (mm == null) {
                    throw new AssertionError("target " + key + " owned by " + o + ", which is not a live member");
                }
                if (mm.draining()) {
                    throw new AssertionError("target " + key + " owned by draining worker " + o);
                }
                Pin pin = t.pin(i);
                if (pin != null && !pin.allows(o, mm.zone())) {
                    throw new AssertionError("target " + key + " owned by " + o + " against its pin " + pin);
                }
                counts.merge(o, 1, Integer::sum);
                weights.merge(o, t.weight(i), Double::sum);
            }
        }
        for (Member mm : members) {
            if (mm.maxTargets() > 0 && counts.getOrDefault(mm.id(), 0) > mm.maxTargets()) {
                throw new AssertionError("worker " + mm.id() + " holds " + counts.get(mm.id())
                        + " targets over its hard cap " + mm.maxTargets());
            }
            if (mm.maxWeight() > 0 && weights.getOrDefault(mm.id(), 0.0) > mm.maxWeight() + 1e-6) {
                throw new AssertionError("worker " + mm.id() + " holds weight " + weights.get(mm.id())
                        + " over its hard cap " + mm.maxWeight());
            }
        }
    }

    /** A target on every worker: owned by each eligible member its pin allows, unless reported under-replicated. */
    private static void checkEveryWorker(Assignment a, int i, Collection<Member> members, boolean reportedUnder) {
        List<String> owners = a.owners(i);
        Pin pin = a.targets().pin(i);
        for (Member mm : members) {
            boolean allowed = pin == null || pin.allows(mm.id(), mm.zone());
            if (mm.takesTargets() && allowed && !owners.contains(mm.id()) && !reportedUnder) {
                throw new AssertionError("target " + a.targets().key(i) + " is for every worker, but " + mm.id()
                        + " does not own it and it is not reported under-replicated; owners " + owners);
            }
        }
    }

    /**
     * No planned move takes more than one replica of a target at a time: from {@code before} to
     * {@code after}, of the previous owners that lose a target while another worker gains it, at most
     * one may do so when {@code handingOff} is false for it and none when it is true (a replica of it
     * is still being handed over). An owner lost unplanned ({@code mayKeep} false: gone, withdrawn,
     * leaving) does not count: it cannot be waited for. Targets on every worker are exempt.
     *
     * @param handingOff whether a target (by key) had a hand-off open when {@code after} was computed
     */
    public static void checkOneReplicaMovesAtATime(Assignment before, Assignment after, Predicate<String> handingOff,
                                                   Predicate<String> mayKeep) {
        after.forEachChange(before, (i, key, was, is) -> {
            long gained = is.stream().filter(w -> !was.contains(w)).count();
            long plannedLosses = was.stream().filter(w -> !is.contains(w) && mayKeep.test(w)).count();
            long moves = Math.min(gained, plannedLosses);
            long allowed = handingOff.test(key) ? 0 : 1;
            if (was.size() > 1 && after.replicas(i) != TargetSet.EVERY_WORKER && moves > allowed) {
                throw new AssertionError("target " + key + " moved " + moves + " replicas at once (" + was + " -> " + is
                        + (handingOff.test(key) ? ", while one was still being handed off)" : ")"));
            }
        });
    }

    /**
     * The same rule on one published epoch, as the workers' shares show it. Every previous owner that
     * loses a target while it can still scrape keeps it as a hand-off until the new owners have
     * confirmed it; a lost owner keeps nothing. A target with hand-off set {@code H} and owners
     * {@code O} has had {@code min(|H|, gained)} replicas moved while those hand-offs are open, and
     * {@code gained <= |O|}, so {@code min(|H|, |O|) > 1} breaks the rule. At replication 2 the test is
     * exact (a drain of all but one worker, {A, B} -> {C}, is one move and one dropped replica:
     * {@code min(2, 1) = 1}); above it, a move together with a dropped replica can exceed it, so it
     * applies only to targets {@code replicatedTwice} names.
     *
     * @param owners          target (by key) to the workers whose shares own it in that epoch
     * @param handedOffBy     target to the workers whose shares hand it off in that epoch
     * @param replicatedTwice whether a target's job runs at replication 2
     */
    public static void checkOneReplicaHandedOffAtATime(Map<String, Set<String>> owners,
                                                       Map<String, Set<String>> handedOffBy,
                                                       Predicate<String> replicatedTwice) {
        handedOffBy.forEach((key, from) -> {
            Set<String> to = owners.getOrDefault(key, Set.of());
            if (replicatedTwice.test(key) && Math.min(from.size(), to.size()) > 1) {
                throw new AssertionError("target " + key + " is handed off by " + from + " to " + to
                        + " at once: more than one replica moved at a time");
            }
        });
    }

    /** Ownership as {@link #check(Assignment, Collection)}, and the assignment covers exactly {@code keys}. */
    public static void check(Assignment a, Collection<String> keys, Collection<Member> members) {
        Set<String> expected = new HashSet<>(keys);
        if (a.targets().size() != expected.size()) {
            throw new AssertionError("assignment has " + a.targets().size() + " targets, inventory " + expected.size());
        }
        for (int i = 0; i < a.targets().size(); i++) {
            if (!expected.contains(a.targets().key(i))) {
                throw new AssertionError("assignment owns " + a.targets().key(i) + ", which is not in the inventory");
            }
        }
        check(a, members);
    }

    /**
     * The busiest worker's load over its fair share (capacity-proportional), by weight or by count:
     * 1.0 is perfect balance.
     */
    public static double balance(Assignment a, Collection<Member> members, boolean byWeight) {
        Map<String, ? extends Number> load = byWeight ? a.weightByWorker() : a.countByWorker();
        double total = 0;
        double capacity = 0;
        for (Member mm : members) {
            if (mm.takesTargets()) {
                Number l = load.get(mm.id());
                total += l == null ? 0 : l.doubleValue();
                capacity += mm.capacity();
            }
        }
        double worst = 0;
        for (Member mm : members) {
            if (mm.takesTargets()) {
                Number l = load.get(mm.id());
                double fair = total * mm.capacity() / capacity;
                worst = Math.max(worst, (l == null ? 0 : l.doubleValue()) / fair);
            }
        }
        return worst;
    }

    /** Fails when the busiest worker is above {@code bound} times its fair share. */
    public static void checkBalance(Assignment a, Collection<Member> members, boolean byWeight, double bound) {
        double b = balance(a, members, byWeight);
        if (b > bound + 1e-9) {
            throw new AssertionError("balance " + b + (byWeight ? " by weight" : " by count") + " exceeds " + bound);
        }
    }

    /** Fails when moving from {@code before} to {@code after} moved more than {@code factor} times {@code minimum} weight. */
    public static void checkMovement(Assignment before, Assignment after, double minimum, double factor) {
        double moved = after.movedFrom(before).weight();
        if (moved > factor * minimum + 1e-6) {
            throw new AssertionError("moved weight " + moved + " exceeds " + factor + " x the minimum " + minimum);
        }
    }
}
