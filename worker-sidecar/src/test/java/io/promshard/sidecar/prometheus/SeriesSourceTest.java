package io.promshard.sidecar.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.zk.ZkLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Where a sidecar takes series per target from, for each kind of scraper (the kinds themselves: ScraperKindsTest). */
class SeriesSourceTest {

    private static SeriesReporter reporter(ScraperKind kind, PrometheusClient remote) {
        return new SeriesReporter(null, ZkLayout.forCluster("t"), null, "w1", null, new Scraper(null, kind), remote,
                () -> true, Duration.ofSeconds(60), "scrape_samples_post_metric_relabeling");
    }

    @Test
    void eachKindHasItsSourceAndARemoteQueryAPIServesAnyKind() {
        assertEquals(SeriesReporter.Source.QUERY, reporter(ScraperKind.PROMETHEUS, null).source());
        assertEquals(SeriesReporter.Source.TARGETS, reporter(ScraperKind.VMAGENT, null).source());
        assertEquals(SeriesReporter.Source.NONE, reporter(ScraperKind.AGENT, null).source());
        PrometheusClient storage = new PrometheusClient("http://127.0.0.1:8428", Duration.ofSeconds(1));
        assertEquals(SeriesReporter.Source.REMOTE_QUERY, reporter(ScraperKind.AGENT, storage).source());
        // not configured and not detected (no scraper answering): unknown, reported as such
        assertEquals(SeriesReporter.Source.UNKNOWN, reporter(null, null).source());
        assertEquals("unknown", reporter(null, null).scraperKind());
    }

    @Test
    void aConfiguredKindIsOneOfTheThree() {
        assertEquals(ScraperKind.VMAGENT, ScraperKind.named("vmagent"));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> ScraperKind.named("mimir"));
        assertTrue(wrong.getMessage().contains("\"mimir\" is not one of auto, prometheus, agent, vmagent"),
                wrong.getMessage());
        assertEquals(ScraperKind.AGENT, ScraperKind.ofReadiness("Prometheus Agent is Ready.\n"));
        assertEquals(ScraperKind.VMAGENT, ScraperKind.ofReadiness("VictoriaMetrics is Ready.\n"));
        assertEquals(ScraperKind.PROMETHEUS, ScraperKind.ofReadiness("Prometheus Server is Ready.\n"));
    }
}
