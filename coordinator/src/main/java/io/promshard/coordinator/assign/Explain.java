package io.promshard.coordinator.assign;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Why a target is where it is: its hash slot, every worker's rendezvous score for that slot (the
 * preference order the engine walks), and each worker's load against its bound, so an operator can
 * see whether a target sits with its first choice or was pushed on because that worker was full,
 * draining, held or excluded by a pin. Pure, like the engine.
 */
public final class Explain {

    /**
     * One worker's standing for a target.
     *
     * @param worker    worker id
     * @param rank      1-based position in the target's preference order among eligible workers, 0 if not eligible
     * @param score     weighted rendezvous score, higher is preferred ({@code -capacity / ln(u)})
     * @param owner     whether it owns the target in the assignment
     * @param state     {@code eligible}, {@code draining}, {@code held} or {@code pinned-out}
     * @param load      summed target weight it holds
     * @param fairShare its fair share of the total weight
     * @param bound     the most it may hold, {@code (1 + epsilon)} times its fair share
     */
    public record Candidate(String worker, int rank, double score, boolean owner, String state, double load,
                            double fairShare, double bound) {
    }

    /**
     * @param key        the target's key
     * @param hash       its 64-bit hash, hexadecimal
     * @param slot       the hash slot (top 16 bits) whose preference order it follows
     * @param weight     its weight (learned series, or the mean while unknown)
     * @param owners      its owners, best first
     * @param candidates  every member, eligible ones in preference order first
     * @param replication the owners it should have: a count, or {@link TargetSet#EVERY_WORKER}
     */
    public record Explanation(String key, String hash, int slot, double weight, List<String> owners,
                              List<Candidate> candidates, int replication) {
    }

    private Explain() {
    }

    /** Explains {@code key} in {@code assignment} computed over {@code members}; null when the key is not in it. */
    public static Explanation target(Assignment assignment, Collection<Member> members, AssignmentSettings settings,
                                     String key) {
        TargetSet t = assignment.targets();
        int i = t.indexOf(key);
        if (i < 0) {
            return null;
        }
        long hash = t.hashes[i];
        int slot = TargetSet.slot(hash);
        long seed = PreferenceTable.slotSeed(slot);
        Pin pin = t.pin(i);
        List<String> owners = assignment.owners(i);
        Map<String, Double> loads = assignment.weightByWorker();
        double capacity = 0;
        int eligibleCount = 0;
        for (Member m : members) {
            if (m.takesTargets()) {
                capacity += m.capacity();
                eligibleCount++;
            }
        }
        double demand = assignment.demand(eligibleCount);
        record Scored(Member m, double score, String state) {
        }
        List<Scored> scored = new ArrayList<>();
        for (Member m : members) {
            String state = m.draining() ? "draining" : m.held() ? "held"
                    : pin != null && !pin.allows(m.id(), m.zone()) ? "pinned-out" : "eligible";
            scored.add(new Scored(m, PreferenceTable.score(Hashes.mix(seed ^ Hashes.hash(m.id())), m.capacity()), state));
        }
        scored.sort(Comparator.comparing((Scored s) -> !s.state().equals("eligible"))
                .thenComparing(Scored::score, Comparator.reverseOrder()).thenComparing(s -> s.m().id()));
        List<Candidate> out = new ArrayList<>(scored.size());
        int rank = 0;
        for (Scored s : scored) {
            boolean eligible = s.state().equals("eligible");
            double fair = eligible && capacity > 0 ? demand * s.m().capacity() / capacity : 0;
            out.add(new Candidate(s.m().id(), eligible ? ++rank : 0, s.score(), owners.contains(s.m().id()), s.state(),
                    loads.getOrDefault(s.m().id(), 0.0), fair, (1 + settings.epsilon()) * fair));
        }
        return new Explanation(key, String.format("%016x", hash), slot, t.weight(i), owners, List.copyOf(out),
                assignment.replicas(i));
    }
}
