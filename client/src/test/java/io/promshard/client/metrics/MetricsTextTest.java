package io.promshard.client.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promshard.client.testing.Promtool;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTextTest {

    @Test
    void writesTheTextFormatWithEscapedLabelValues() throws Exception {
        Histogram h = new Histogram(0.1, 1);
        h.observe(0.05);
        h.observe(0.5);
        h.observe(3);
        String text = new MetricsText()
                .family("promshard_things", "gauge", "Things, with a \\ and a\nnewline.")
                .sample("promshard_things", Map.of("worker", "a\"b\\c\nd", "zone", "z"), 2.5)
                .sample("promshard_things", "worker", "plain", 3)
                .histogram("promshard_op_duration_seconds", "Durations.", h.snapshot())
                .toString();
        assertEquals("""
                # HELP promshard_things Things, with a \\\\ and a\\nnewline.
                # TYPE promshard_things gauge
                promshard_things{worker="a\\"b\\\\c\\nd",zone="z"} 2.5
                promshard_things{worker="plain"} 3
                # HELP promshard_op_duration_seconds Durations.
                # TYPE promshard_op_duration_seconds histogram
                promshard_op_duration_seconds_bucket{le="0.1"} 1
                promshard_op_duration_seconds_bucket{le="1"} 2
                promshard_op_duration_seconds_bucket{le="+Inf"} 3
                promshard_op_duration_seconds_sum 3.55
                promshard_op_duration_seconds_count 3
                """, text);
        Promtool.checkMetrics(text);
    }

    @Test
    void refusesInvalidNamesAndRepeatedFamilies() {
        MetricsText m = new MetricsText().family("ok_total", "counter", "x");
        assertThrows(IllegalStateException.class, () -> m.family("ok_total", "counter", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.family("bad-name", "gauge", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.sample("ok_total", Map.of("bad-label", "v"), 1));
        assertThrows(IllegalArgumentException.class, () -> new Histogram(1, 1));
    }
}
