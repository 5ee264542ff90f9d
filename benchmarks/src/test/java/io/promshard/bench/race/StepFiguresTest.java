package io.promshard.bench.race;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The race's figures from samples written by hand: each one pinned. */
class StepFiguresTest {

    private static final long I = 1_000;

    /** Samples of {@code scraper} every interval from {@code from} to {@code to}, inclusive. */
    private static List<StepFigures.Sample> every(String scraper, long from, long to) {
        List<StepFigures.Sample> out = new ArrayList<>();
        for (long t = from; t <= to; t += I) {
            out.add(new StepFigures.Sample(t, scraper));
        }
        return out;
    }

    @Test
    void aMakeBeforeBreakMoveIsMovedAndDoubledButHasNoGap() {
        // the step starts at 10 s and ends at 20 s; b scrapes from 12.5 s, a until 14 s
        List<StepFigures.Sample> moved = new ArrayList<>(every("a", 0, 14_000));
        moved.addAll(every("b", 12_500, 20_000));
        Map<String, Object> f = StepFigures.of(Map.of("t1", moved, "t2", every("c", 0, 20_000)), 10_000, 20_000, I,
                null, 5);
        assertEquals(0.5, f.get("moved_fraction"));
        assertEquals(0.2, f.get("minimum_fraction"));
        assertEquals(1.0, f.get("longest_gap_s"));
        assertEquals(1, f.get("doubled_targets"));
        assertEquals(4.0, f.get("settled_s"));
        assertEquals(0, f.get("unsettled_targets"));
    }

    @Test
    void aBreakBeforeMakeMoveLeavesAGapAndALeaverBoundsTheLeastMove() {
        // a stops at 11 s, b starts at 15 s: a 4 s gap; a held t1 and t2 of the four targets before
        List<StepFigures.Sample> moved = new ArrayList<>(every("a", 0, 11_000));
        moved.addAll(every("b", 15_000, 20_000));
        List<StepFigures.Sample> alsoA = new ArrayList<>(every("a", 0, 10_000));
        alsoA.addAll(every("c", 10_500, 20_000));
        Map<String, Object> f = StepFigures.of(Map.of("t1", moved, "t2", alsoA, "t3", every("c", 0, 20_000),
                "t4", every("d", 0, 9_000)), 10_000, 20_000, I, "a", 3);
        assertEquals(0.75, f.get("moved_fraction"));
        assertEquals(0.5, f.get("minimum_fraction"));
        assertEquals(11.0, f.get("longest_gap_s"));
        assertEquals(0, f.get("doubled_targets"));
        assertEquals(5.0, f.get("settled_s"));
        assertEquals(1, f.get("unsettled_targets"), "t4 has no final owner");
    }
}
