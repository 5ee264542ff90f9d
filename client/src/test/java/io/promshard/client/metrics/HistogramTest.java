package io.promshard.client.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.Promtool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistogramTest {

    /**
     * The quantile estimate is Prometheus' own: for random histograms, {@code promtool test rules}
     * evaluates {@code histogram_quantile} over the same buckets and must find the value computed here.
     */
    @Test
    void quantilesAreWhatPrometheusHistogramQuantileComputes(@TempDir Path dir) throws Exception {
        long seed = System.nanoTime();
        System.out.println("HistogramTest seed " + seed);
        Random random = new Random(seed);
        StringBuilder tests = new StringBuilder("rule_files: []\ntests:\n");
        for (int round = 0; round < 8; round++) {
            Histogram h = new Histogram(Histogram.SECONDS);
            int observations = 1 + random.nextInt(200);
            for (int i = 0; i < observations; i++) {
                h.observe(Math.exp(random.nextGaussian() * 2 - 3)); // spread over the bounds, some above 30 s
            }
            Histogram.Snapshot s = h.snapshot();
            tests.append("  - interval: 1m\n    input_series:\n");
            for (int i = 0; i < s.bounds().length; i++) {
                tests.append("      - series: 'h_bucket{le=\"").append(MetricsText.format(s.bounds()[i]))
                        .append("\"}'\n        values: '").append(s.counts()[i]).append("'\n");
            }
            tests.append("      - series: 'h_bucket{le=\"+Inf\"}'\n        values: '").append(s.count()).append("'\n");
            tests.append("    promql_expr_test:\n");
            for (double q : new double[] {0.5, 0.9, 0.99}) {
                tests.append(String.format(Locale.ROOT, """
                              - expr: histogram_quantile(%s, h_bucket)
                                eval_time: 0m
                                exp_samples:
                                  - labels: '{}'
                                    value: %s
                        """, q, s.quantile(q)));
            }
        }
        Path file = dir.resolve("quantiles_test.yml");
        Files.writeString(file, tests);
        Promtool.testRules(file);
    }

    @Test
    void aDifferenceOfSnapshotsHoldsWhatWasObservedBetween() {
        Histogram h = new Histogram(1, 2);
        h.observe(0.5);
        Histogram.Snapshot before = h.snapshot();
        h.observe(1.5);
        h.observe(3);
        Histogram.Snapshot delta = h.snapshot().minus(before);
        assertEquals(2, delta.count());
        assertEquals(0, delta.counts()[0]);
        assertEquals(1, delta.counts()[1]);
        assertEquals(4.5, delta.sum(), 1e-9);
        assertTrue(Double.isNaN(new Histogram(1).snapshot().quantile(0.5)));
    }

    @Test
    void labelledHistogramsAreValidExposition() throws Exception {
        Histogram engine = new Histogram(0.1, 1);
        engine.observe(0.05);
        String text = new MetricsText().histograms("promshard_phase_seconds", "Phases.", "phase",
                Map.of("engine", engine.snapshot())).toString();
        assertEquals("""
                # HELP promshard_phase_seconds Phases.
                # TYPE promshard_phase_seconds histogram
                promshard_phase_seconds_bucket{le="0.1",phase="engine"} 1
                promshard_phase_seconds_bucket{le="1",phase="engine"} 1
                promshard_phase_seconds_bucket{le="+Inf",phase="engine"} 1
                promshard_phase_seconds_sum{phase="engine"} 0.05
                promshard_phase_seconds_count{phase="engine"} 1
                """, text);
        Promtool.checkMetrics(text);
    }
}
