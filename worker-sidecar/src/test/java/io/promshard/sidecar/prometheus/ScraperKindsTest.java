package io.promshard.sidecar.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import com.sun.net.httpserver.HttpServer;
import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.PrometheusServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The three scrapers a sidecar serves, each the real binary from Debian's packages reading a file_sd
 * file as a sidecar writes it: what their readiness answer says they are, how they report a target
 * not scraped yet and one scraped (the confirmation that ends a hand-off), and where the samples per
 * target can come from (vmagent counts them per target; Prometheus answers queries; the agent neither).
 */
class ScraperKindsTest {

    /** Samples the exporter serves per scrape. */
    private static final int SAMPLES = 7;

    private Path dir;
    private HttpServer exporter;

    @BeforeEach
    void startAnExporter() throws IOException {
        dir = Files.createTempDirectory("promshard-scrapers-");
        exporter = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        StringBuilder body = new StringBuilder("# TYPE promshard_test_value gauge\n");
        for (int i = 0; i < SAMPLES; i++) {
            body.append("promshard_test_value{n=\"").append(i).append("\"} ").append(i).append('\n');
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exporter.createContext("/metrics", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        exporter.start();
    }

    @AfterEach
    void stop() throws IOException {
        exporter.stop(0);
        MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
    }

    @Test
    void prometheusAnswersQueriesAndCountsNoSamplesPerTarget() throws Exception {
        try (PrometheusServer prometheus = PrometheusServer.start(scrapeConfig(), dir)) {
            PrometheusClient client = checkTargets(prometheus, ScraperKind.PROMETHEUS, -1);
            Poll.until("Prometheus to answer the series query", Duration.ofSeconds(60), () -> {
                try {
                    return client.query("scrape_samples_post_metric_relabeling").stream()
                            .anyMatch(sample -> sample.value() == SAMPLES);
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    @Test
    void anAgentHasNoQueryAPI() throws Exception {
        try (PrometheusServer agent = PrometheusServer.startAgent(scrapeConfig(), dir)) {
            PrometheusClient client = checkTargets(agent, ScraperKind.AGENT, -1);
            IOException refused = assertThrows(IOException.class, () -> client.query("up"));
            assertTrue(refused.getMessage().contains("422"), refused.getMessage());
        }
    }

    @Test
    void vmagentCountsTheSamplesOfEachTarget() throws Exception {
        try (PrometheusServer vmagent = PrometheusServer.startVmagent(scrapeConfig(), dir,
                URI.create("http://127.0.0.1:9/api/v1/write"))) {
            checkTargets(vmagent, ScraperKind.VMAGENT, SAMPLES);
        }
    }

    /**
     * One job reading {@code node.json} in the scratch directory: the exporter every second, and a
     * target scraped once an hour (not yet scraped while the test runs, but for a chance of about
     * one in a thousand that its first scrape falls in the first seconds; the check reads it either way).
     */
    private Path scrapeConfig() throws IOException {
        Path config = dir.resolve("scrape.yml");
        Files.writeString(config, """
                global: {scrape_interval: 1s, scrape_timeout: 1s}
                scrape_configs:
                  - job_name: node
                    file_sd_configs: [{files: ["%1$s/node.json"]}]
                  - job_name: hourly
                    scrape_interval: 1h
                    file_sd_configs: [{files: ["%1$s/hourly.json"]}]
                """.formatted(dir));
        writeFile("node", "127.0.0.1:" + exporter.getAddress().getPort());
        writeFile("hourly", "127.0.0.1:" + exporter.getAddress().getPort());
        return config;
    }

    private void writeFile(String job, String target) throws IOException {
        Files.writeString(dir.resolve(job + ".json"), "[{\"targets\": [\"" + target + "\"], \"labels\": {}}]");
    }

    /**
     * The scraper names its kind; every target of the files is found through {@link TargetIndex};
     * one it has not scraped yet reads as not scraped, whatever time its answer gives; the exporter
     * reads as scraped once it is, with {@code samples} samples (-1: the scraper does not count them).
     */
    private PrometheusClient checkTargets(PrometheusServer scraper, ScraperKind kind, long samples) throws Exception {
        PrometheusClient client = new PrometheusClient(scraper.url().toString(), Duration.ofSeconds(5));
        assertEquals(kind, client.detectKind().orElseThrow());
        String address = "127.0.0.1:" + exporter.getAddress().getPort();
        TargetIndex index = TargetIndex.of(new Share(Share.FORMAT, "w1", new TreeMap<>(Map.of(
                "node", List.of(new TargetGroup(List.of(address), new TreeMap<>())),
                "hourly", List.of(new TargetGroup(List.of(address), new TreeMap<>()))))));
        Poll.until(kind + " to scrape the node target", Duration.ofSeconds(60), () -> {
            try {
                return client.targets().stream().anyMatch(t -> t.scraped() && file(t).equals("node.json")
                        && (samples < 0 || t.samplesScraped() == samples));
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        List<PrometheusClient.DiscoveredTarget> targets = client.targets();
        assertEquals(2, targets.stream().filter(t -> index.entryOf(t).isPresent()).count(), targets.toString());
        assertTrue(targets.stream().filter(t -> t.samplesScraped() != samples).allMatch(t -> !t.scraped()),
                kind + " counts samples per target as " + samples + ": " + targets);
        JsonNode raw = scraper.get("/api/v1/targets?state=active");
        for (JsonNode target : raw.path("data").path("activeTargets")) {
            if (target.path("scrapePool").asText().equals("hourly")) {
                String lastScrape = target.path("lastScrape").asText();
                boolean scrapedAlready = !lastScrape.startsWith("0001-") && !lastScrape.startsWith("1970-");
                assertEquals(scrapedAlready, PrometheusClient.everScraped(lastScrape), kind + ": " + lastScrape);
            }
        }
        assertFalse(PrometheusClient.everScraped("1970-01-01T00:00:00Z"), "vmagent's time for never");
        assertFalse(PrometheusClient.everScraped("0001-01-01T00:00:00Z"), "Prometheus' time for never");
        return client;
    }

    private static String file(PrometheusClient.DiscoveredTarget target) {
        Path name = Path.of(target.filePath()).getFileName();
        return name == null ? "" : name.toString();
    }
}
