package io.promshard.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.CoordinatorStatus;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CapacityAdviceTest {

    private static final Set<String> FOUR = Set.of("w1", "w2", "w3", "w4");

    private static CoordinatorStatus.Capacity advise(CapacityAdvice advice, long series, Set<String> active,
                                                     Map<String, Double> loads) {
        return advice.update(() -> Map.of("w1", series), active, () -> loads).orElseThrow();
    }

    @Test
    void risesAtOnceWhenAWorkerWouldBeOverBudgetAndFallsOnlyBelowTheMargin() {
        CapacityAdvice advice = new CapacityAdvice(1_000, 0.1, 1);
        assertEquals(4, advise(advice, 3_500, FOUR, Map.of()).recommendedWorkers());
        assertEquals(4, advise(advice, 4_000, FOUR, Map.of()).recommendedWorkers(), "exactly at budget: no rise");
        assertEquals(5, advise(advice, 4_001, FOUR, Map.of()).recommendedWorkers());
        assertEquals(7, advise(advice, 6_500, FOUR, Map.of()).recommendedWorkers(), "a jump rises in one step");
        // falls only when the fleet left (6 workers) is at most 90% full: 6 * 900 = 5,400
        assertEquals(7, advise(advice, 5_401, FOUR, Map.of()).recommendedWorkers());
        assertEquals(6, advise(advice, 5_400, FOUR, Map.of()).recommendedWorkers());
        assertEquals(2, advise(advice, 1_500, FOUR, Map.of()).recommendedWorkers(), "ceil(1500 / 900)");
    }

    /** Series wandering within the band around a boundary never change the advice once it settled. */
    @Test
    void doesNotFlapOnNoise() {
        long seed = System.nanoTime();
        System.out.println("CapacityAdviceTest seed " + seed);
        Random random = new Random(seed);
        CapacityAdvice advice = new CapacityAdvice(1_000, 0.1, 1);
        assertEquals(5, advise(advice, 4_600, FOUR, Map.of()).recommendedWorkers());
        for (int i = 0; i < 1_000; i++) {
            long series = 3_700 + random.nextInt(1_300); // within (4 * 900, 5 * 1000]
            assertEquals(5, advise(advice, series, FOUR, Map.of()).recommendedWorkers(), "seed " + seed + ": " + series);
        }
    }

    @Test
    void neverBelowTheReplicationFactor() {
        CapacityAdvice advice = new CapacityAdvice(1_000, 0.1, 3);
        assertEquals(3, advise(advice, 10, FOUR, Map.of()).recommendedWorkers());
        assertEquals(3, advise(advice, 0, FOUR, Map.of()).recommendedWorkers());
    }

    @Test
    void onScaleInTheLeastLoadedActiveWorkerIsDrainedFirst() {
        CapacityAdvice advice = new CapacityAdvice(1_000, 0.1, 1);
        CoordinatorStatus.Capacity c = advise(advice, 1_500, FOUR, Map.of("w1", 600.0, "w2", 300.0, "w3", 300.0,
                "w4", 300.0));
        assertEquals(2, c.recommendedWorkers());
        assertEquals(4, c.activeWorkers());
        assertEquals("w2", c.drainFirst(), "least load, ties by id");
        assertEquals("", advise(advice, 3_500, FOUR, Map.of()).drainFirst(), "no scale-in, no drain");
    }

    @Test
    void offWithoutABudgetOrWithoutReportedSeries() {
        CapacityAdvice off = new CapacityAdvice(0, 0.1, 1);
        assertTrue(off.update(() -> {
            throw new AssertionError("series not summed when the advice is off");
        }, FOUR, Map::of).isEmpty());
        CapacityAdvice on = new CapacityAdvice(1_000, 0.1, 1);
        assertTrue(on.update(Map::of, FOUR, Map::of).isEmpty());
        assertNull(on.current());
        assertThrows(IllegalArgumentException.class, () -> new CapacityAdvice(1_000, 1, 1));
    }
}
