package io.promshard.bench.race;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one step of a race did to the targets, read from the samples the scrapers wrote to the
 * storage: each sample is a scrape, its {@code scraper} label says whose. Pure: the samples in, the
 * figures out.
 *
 * <p>For the step's window [{@code start}, {@code end}] and scrape interval {@code I}, per target:
 * its owners before are the scrapers with samples in [start - 2I, start], its final owners those
 * with samples in [end - 2I, end]; it <em>moved</em> when the two differ; its <em>gap</em> is the
 * longest time between consecutive samples (any scraper) from its last sample before the step to
 * {@code end}; it was <em>doubled</em> when a sample of another scraper lies between two consecutive
 * samples of one (at most 1.5 I apart: two scrapers scraping it in the same interval); it <em>settled</em> at the moment from which its samples
 * come from its one final owner only (the last sample of another scraper, or its final owner's
 * first sample when it moved), and is <em>unsettled</em> without exactly one final owner.
 */
final class StepFigures {

    /** One sample: when, and which scraper wrote it. */
    record Sample(long millis, String scraper) {
    }

    private StepFigures() {
    }

    /**
     * @param byTarget      each target's samples, in any order
     * @param leaving       the scraper that leaves in this step, or null: its share before is the least a
     *                      leave can move; a join's least is one new scraper's fair share
     * @param scrapersAfter scrapers taking targets after the step
     */
    static Map<String, Object> of(Map<String, List<Sample>> byTarget, long start, long end, long intervalMillis,
                                  String leaving, int scrapersAfter) {
        int moved = 0;
        int doubled = 0;
        int unsettled = 0;
        int heldByLeaver = 0;
        long longestGap = 0;
        long settledAt = start;
        for (List<Sample> samples : byTarget.values()) {
            List<Sample> sorted = new ArrayList<>(samples);
            sorted.sort((a, b) -> Long.compare(a.millis(), b.millis()));
            Set<String> before = scrapers(sorted, start - 2 * intervalMillis, start);
            Set<String> after = scrapers(sorted, end - 2 * intervalMillis, end);
            moved += before.equals(after) ? 0 : 1;
            heldByLeaver += leaving != null && before.contains(leaving) ? 1 : 0;
            longestGap = Math.max(longestGap, longestGap(sorted, start, end));
            doubled += doubled(sorted, start, end, intervalMillis) ? 1 : 0;
            if (after.size() != 1) {
                unsettled++;
            } else {
                settledAt = Math.max(settledAt, settledAt(sorted, start, end, after.iterator().next(),
                        !before.equals(after)));
            }
        }
        int targets = byTarget.size();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("targets", targets);
        figures.put("moved_fraction", round(targets == 0 ? 0 : moved / (double) targets));
        figures.put("minimum_fraction", round(leaving != null ? heldByLeaver / (double) Math.max(1, targets)
                : 1.0 / Math.max(1, scrapersAfter)));
        figures.put("longest_gap_s", round(longestGap / 1000.0));
        figures.put("doubled_targets", doubled);
        figures.put("settled_s", round((settledAt - start) / 1000.0));
        figures.put("unsettled_targets", unsettled);
        return figures;
    }

    private static Set<String> scrapers(List<Sample> sorted, long from, long to) {
        Set<String> out = new TreeSet<>();
        for (Sample s : sorted) {
            if (s.millis() >= from && s.millis() <= to) {
                out.add(s.scraper());
            }
        }
        return out;
    }

    /** The longest time between consecutive samples from the last one at or before {@code start} to {@code end}. */
    static long longestGap(List<Sample> sorted, long start, long end) {
        long last = start;
        for (Sample s : sorted) {
            if (s.millis() <= start) {
                last = s.millis();
            }
        }
        long longest = 0;
        for (Sample s : sorted) {
            if (s.millis() > start && s.millis() <= end) {
                longest = Math.max(longest, s.millis() - last);
                last = s.millis();
            }
        }
        return Math.max(longest, end - last);
    }

    /**
     * Whether two scrapers scraped the target in the same interval: between two consecutive samples
     * of one scraper at most 1.5 intervals apart lies a sample of another.
     */
    private static boolean doubled(List<Sample> sorted, long start, long end, long intervalMillis) {
        Map<String, Long> last = new HashMap<>();
        for (Sample s : sorted) {
            Long previous = last.get(s.scraper());
            if (previous != null && s.millis() >= start && s.millis() <= end
                    && s.millis() - previous <= intervalMillis * 3 / 2) {
                for (Map.Entry<String, Long> other : last.entrySet()) {
                    if (!other.getKey().equals(s.scraper()) && other.getValue() > previous) {
                        return true;
                    }
                }
            }
            last.put(s.scraper(), s.millis());
        }
        return false;
    }

    private static long settledAt(List<Sample> sorted, long start, long end, String owner, boolean moved) {
        long at = start;
        boolean firstOfOwner = true;
        for (Sample s : sorted) {
            if (s.millis() < start || s.millis() > end) {
                continue;
            }
            if (!s.scraper().equals(owner)) {
                at = Math.max(at, s.millis());
            } else if (moved && firstOfOwner) {
                at = Math.max(at, s.millis());
                firstOfOwner = false;
            }
        }
        return at;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
