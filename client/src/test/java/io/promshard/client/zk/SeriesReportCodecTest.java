package io.promshard.client.zk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.SeriesReport;
import io.promshard.client.testing.Seeds;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SeriesReportCodecTest {

    @Test
    void roundTripsAndRoundsToTwoSignificantDigits() throws Exception {
        SortedMap<String, SortedMap<String, Long>> series = new TreeMap<>();
        SeriesReport.put(series, "node", "a:1", null, SeriesReport.round(1234));
        SeriesReport.put(series, "probe", "a:1", "/probe", SeriesReport.round(7));
        SeriesReport r = new SeriesReport(SeriesReport.FORMAT, "w1", 42, series);
        SeriesReport back = SeriesReportCodec.decode("weights/w1", SeriesReportCodec.encode(r));
        assertEquals(r, back);
        assertEquals(Map.of("node\u0000a:1", 1200L, "probe\u0000a:1\u0000/probe", 7L), back.byKey());
        assertEquals(1, SeriesReport.round(0));
        assertEquals(99, SeriesReport.round(99));
        assertEquals(1_000_000, SeriesReport.round(995_000));
        assertThrows(CorruptShareException.class, () -> SeriesReportCodec.decode("weights/w1", new byte[] {1, 2}));
    }

    @Test
    void aReportTooLargeForAZnodeKeepsItsHeaviestTargets() throws Exception {
        Random random = new Random(Seeds.seed("aReportTooLargeForAZnode"));
        SortedMap<String, SortedMap<String, Long>> series = new TreeMap<>();
        int n = 400_000;
        for (int i = 0; i < n; i++) {
            String address = Long.toHexString(random.nextLong()) + ".example:" + (1024 + random.nextInt(60000));
            SeriesReport.put(series, "node", address, null, 1 + random.nextInt(1_000_000));
        }
        SeriesReport.put(series, "node", "heaviest:1", null, 5_000_000);
        byte[] data = SeriesReportCodec.encode(new SeriesReport(SeriesReport.FORMAT, "w1", 1, series));
        assertTrue(data.length <= SeriesReportCodec.MAX_BYTES, data.length + " bytes");
        SeriesReport kept = SeriesReportCodec.decode("weights/w1", data);
        assertTrue(kept.size() < n && kept.size() >= n / 16, "kept " + kept.size());
        assertEquals(5_000_000L, kept.byKey().get("node\u0000heaviest:1"));
        long lightestKept = kept.byKey().values().stream().mapToLong(Long::longValue).min().orElseThrow();
        long heavierDropped = series.get("node").values().stream().filter(v -> v > lightestKept).count();
        assertEquals(kept.size(), heavierDropped + kept.byKey().values().stream().filter(v -> v == lightestKept).count(),
                "every target heavier than the lightest kept one is kept");
    }

    /** A gzip bomb in {@code weights/<id>} is refused at the limit instead of inflating into the heap. */
    @Test
    void aReportThatInflatesBeyondTheLimitIsRefused() {
        byte[] bomb = ShareCodec.gzip(new byte[(int) SeriesReportCodec.MAX_INFLATED_BYTES + 1]);
        CorruptShareException e = org.junit.jupiter.api.Assertions.assertThrows(CorruptShareException.class,
                () -> SeriesReportCodec.decode("/promshard/t/weights/w1", bomb));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("/promshard/t/weights/w1")
                && e.getMessage().contains("more than the limit of " + SeriesReportCodec.MAX_INFLATED_BYTES), e.getMessage());
    }

    @Test
    void theDefaultInflationLimitFollowsTheHeap() {
        org.junit.jupiter.api.Assertions.assertTrue(
                ShareCodec.defaultMaxInflatedBytes() <= Runtime.getRuntime().maxMemory() / 4);
    }
}
