package io.promshard.coordinator.core;

import io.promshard.client.api.CoordinatorStatus;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.Member;
import java.util.List;
import java.util.Map;

/**
 * The balance the status shows: over the members that take targets (neither draining nor held),
 * with {@code load(w)} a worker's assigned weight, {@code L = Σ load} and {@code C = Σ capacity},
 * a worker's fair load is {@code L · capacity(w) / C} and the busiest worker is the one with the
 * highest {@code load(w) / fair(w)}; the report carries the mean load {@code L / n}, the highest load
 * and that highest ratio with its worker.
 */
final class BalanceReport {

    private BalanceReport() {
    }

    static CoordinatorStatus.Balance of(Assignment assignment, List<Member> members) {
        Map<String, Double> loads = assignment.weightByWorker();
        double capacity = 0;
        double total = 0;
        int taking = 0;
        for (Member m : members) {
            if (takesTargets(m)) {
                capacity += m.capacity();
                total += loads.getOrDefault(m.id(), 0.0);
                taking++;
            }
        }
        if (taking == 0 || total == 0) {
            return new CoordinatorStatus.Balance(0, 0, 0, "");
        }
        double max = 0;
        double worst = 0;
        String busiest = "";
        for (Member m : members) {
            if (takesTargets(m)) {
                double load = loads.getOrDefault(m.id(), 0.0);
                double ratio = load / (total * m.capacity() / capacity);
                max = Math.max(max, load);
                if (ratio > worst) {
                    worst = ratio;
                    busiest = m.id();
                }
            }
        }
        return new CoordinatorStatus.Balance(total / taking, max, worst, busiest);
    }

    private static boolean takesTargets(Member m) {
        return m.takesTargets();
    }
}
