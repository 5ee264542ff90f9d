package io.promshard.coordinator.core;

import io.promshard.client.api.CoordinatorStatus;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * How many workers the fleet needs for the series it scrapes, for an operator or an autoscaler to
 * act on, and the worker to drain first when it needs fewer.
 *
 * <p>With {@code S} the series the workers report scraping (every replica counts: each is scraped),
 * {@code B} the configured series per worker and {@code m} the scale-in margin, the need is
 * {@code max(minimum, ceil(S / B))}, where {@code minimum} is the replication factor (a target needs
 * that many distinct workers). The recommendation {@code r} follows it with hysteresis so that a
 * fleet near a boundary does not flap:
 * <ul>
 *   <li>it rises at once to {@code ceil(S / B)} when {@code S > r * B} (a worker would be over budget);</li>
 *   <li>it falls only when {@code S <= (r - 1) * B * (1 - m)}, to {@code ceil(S / (B * (1 - m)))}: the
 *       fleet left is at most {@code 1 - m} full, so it rises again only after the series grew by
 *       {@code 1 / (1 - m)}, never on the noise that made it fall.</li>
 * </ul>
 * On scale-in the worker to drain first is the active one whose removal moves the least: the
 * smallest load (series once learned) it owns, ties broken by id.
 *
 * <p>Owned by the control loop; {@link #current()} is read by any thread.
 */
final class CapacityAdvice {

    private final long seriesPerWorker;
    private final double scaleInMargin;
    private final int minimum;
    private int recommended;
    private volatile CoordinatorStatus.Capacity current;

    /**
     * @param seriesPerWorker the series one worker should scrape at most; 0 turns the advice off
     * @param scaleInMargin   how far below the budget the fleet left must be before the advice falls (0..1)
     * @param minimum         the fewest workers ever advised (the replication factor)
     */
    CapacityAdvice(long seriesPerWorker, double scaleInMargin, int minimum) {
        if (!(scaleInMargin >= 0 && scaleInMargin < 1)) {
            throw new IllegalArgumentException("scaleInMargin must be in [0, 1), was " + scaleInMargin);
        }
        this.seriesPerWorker = seriesPerWorker;
        this.scaleInMargin = scaleInMargin;
        this.minimum = Math.max(1, minimum);
    }

    /**
     * The advice for {@code seriesByWorker} (what each worker reported; empty when none reports; asked for only when on),
     * {@code active} workers that take targets now, and the load each owns (asked for only on scale-in).
     *
     * @return the new advice, empty when turned off or when no worker reports series
     */
    Optional<CoordinatorStatus.Capacity> update(Supplier<Map<String, Long>> seriesByWorker, Set<String> active,
                                                Supplier<Map<String, Double>> loadByWorker) {
        Map<String, Long> reported = seriesPerWorker <= 0 ? Map.of() : seriesByWorker.get();
        if (reported.isEmpty()) {
            current = null;
            return Optional.empty();
        }
        long series = reported.values().stream().mapToLong(Long::longValue).sum();
        recommended = next(recommended, series);
        String drainFirst = recommended >= active.size() ? "" : leastLoaded(active, loadByWorker.get());
        current = new CoordinatorStatus.Capacity(seriesPerWorker, series, recommended, active.size(), drainFirst);
        return Optional.of(current);
    }

    private static String leastLoaded(Set<String> active, Map<String, Double> loads) {
        return active.stream().min(Comparator.comparingDouble((String w) -> loads.getOrDefault(w, 0.0))
                .thenComparing(Comparator.naturalOrder())).orElse("");
    }

    /** The recommendation after {@code previous} for {@code series}, by the rule in the class comment. */
    int next(int previous, long series) {
        int rise = Math.max(minimum, (int) ceilDiv(series, seriesPerWorker));
        if (previous == 0 || series > (long) previous * seriesPerWorker) {
            return Math.max(previous, rise);
        }
        double leftBudget = seriesPerWorker * (1 - scaleInMargin);
        if (series <= (previous - 1) * leftBudget) {
            return Math.max(minimum, (int) Math.ceil(series / leftBudget));
        }
        return previous;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** The last advice, or null when turned off or before any worker reported series. */
    CoordinatorStatus.Capacity current() {
        return current;
    }
}
