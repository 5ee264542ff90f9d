package io.promshard.sidecar.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import io.promshard.client.rest.BoundedHttp;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local scraper's HTTP API as the sidecar needs it: readiness ({@code /-/ready}), the targets it
 * discovered ({@code /api/v1/targets}) and instant queries ({@code /api/v1/query}). Prometheus, a
 * Prometheus agent and vmagent all answer the first two alike (vmagent adds each target's
 * {@code lastSamplesScraped}); only a full Prometheus answers queries ({@link ScraperKind}). Also
 * used for the query API of a remote storage. Thread-safe.
 */
public final class PrometheusClient {

    /**
     * One target of {@code /api/v1/targets}.
     *
     * @param scraped        whether it has been scraped at least once
     * @param samplesScraped samples its last scrape gave, as vmagent reports them; -1 where the
     *                       scraper does not say (Prometheus, agent mode)
     */
    public record DiscoveredTarget(Map<String, String> discoveredLabels, Map<String, String> labels, boolean active,
                                   boolean scraped, String health, long samplesScraped) {

        public DiscoveredTarget(Map<String, String> discoveredLabels, Map<String, String> labels, boolean active,
                                boolean scraped, String health) {
            this(discoveredLabels, labels, active, scraped, health, -1);
        }

        public String filePath() {
            return discoveredLabels.getOrDefault("__meta_filepath", "");
        }

        public String address() {
            return discoveredLabels.getOrDefault("__address__", "");
        }

        public String metricsPath() {
            return discoveredLabels.getOrDefault("__metrics_path__", "");
        }
    }

    /** One element of an instant vector. */
    public record Sample(Map<String, String> labels, double value) {
    }

    /**
     * Largest answer read from Prometheus: its targets list for some 100,000 targets, within a
     * sidecar's heap; the timeout bounds the whole answer, body included.
     */
    static final long MAX_ANSWER_BYTES = 64L << 20;

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;

    public PrometheusClient(String baseUrl, Duration timeout) {
        String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.base = URI.create(b);
        if (base.getScheme() == null || base.getHost() == null) {
            throw new IllegalArgumentException("Prometheus URL \"" + baseUrl + "\" is not an absolute http(s) URL");
        }
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public URI base() {
        return base;
    }

    /** Whether Prometheus answers {@code /-/ready} with 200; false on any error. */
    public boolean ready() {
        try {
            return send("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Active and dropped targets. */
    public List<DiscoveredTarget> targets() throws IOException, InterruptedException {
        JsonNode data = data(get("/api/v1/targets?state=any"), "/api/v1/targets");
        List<DiscoveredTarget> out = new ArrayList<>();
        for (JsonNode t : data.path("activeTargets")) {
            JsonNode samples = t.path("lastSamplesScraped");
            out.add(new DiscoveredTarget(labels(t.path("discoveredLabels")), labels(t.path("labels")), true,
                    everScraped(t.path("lastScrape").asText("")), t.path("health").asText("unknown"),
                    samples.isNumber() ? samples.asLong() : -1));
        }
        for (JsonNode t : data.path("droppedTargets")) {
            out.add(new DiscoveredTarget(labels(t.path("discoveredLabels")), Map.of(), false, false, "dropped"));
        }
        return out;
    }

    /**
     * Whether a target's {@code lastScrape} names a scrape: Prometheus writes Go's zero time
     * ({@code 0001-01-01T00:00:00Z}) and vmagent the Unix epoch ({@code 1970-01-01T00:00:00Z}) for a
     * target not scraped yet, so only a time after the epoch counts; an unreadable one does not.
     */
    static boolean everScraped(String lastScrape) {
        try {
            return OffsetDateTime.parse(lastScrape).toInstant().isAfter(Instant.EPOCH);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * The kind of scraper answering, from its readiness answer ({@code "Prometheus Agent is Ready."},
     * {@code "VictoriaMetrics is Ready."}, {@code "Prometheus Server is Ready."}); empty while it does
     * not answer ready.
     */
    public Optional<ScraperKind> detectKind() {
        try {
            HttpResponse<byte[]> r = send("/-/ready");
            return r.statusCode() == 200
                    ? Optional.of(ScraperKind.ofReadiness(new String(r.body(), StandardCharsets.UTF_8)))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** An instant query that returns a vector. */
    public List<Sample> query(String promql) throws IOException, InterruptedException {
        String path = "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
        JsonNode data = data(get(path), "/api/v1/query");
        if (!"vector".equals(data.path("resultType").asText())) {
            throw new IOException(base + "/api/v1/query: expected a vector for " + promql + ", got "
                    + data.path("resultType").asText());
        }
        List<Sample> out = new ArrayList<>();
        for (JsonNode r : data.path("result")) {
            JsonNode v = r.path("value");
            double value;
            try {
                value = Double.parseDouble(v.path(1).asText("NaN"));
            } catch (NumberFormatException e) {
                value = Double.NaN;
            }
            out.add(new Sample(labels(r.path("metric")), value));
        }
        return out;
    }

    private HttpResponse<byte[]> send(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET().build();
        return BoundedHttp.send(http, request, MAX_ANSWER_BYTES, timeout);
    }

    private byte[] get(String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(path);
        if (r.statusCode() != 200) {
            throw new IOException(base + path + ": HTTP " + r.statusCode());
        }
        return r.body();
    }

    private JsonNode data(byte[] body, String what) throws IOException {
        JsonNode root = Json.mapper().readTree(body);
        if (root == null || !"success".equals(root.path("status").asText())) {
            throw new IOException(base + what + ": status " + (root == null ? "empty" : root.path("status").asText())
                    + (root == null ? "" : " " + root.path("error").asText()));
        }
        return root.path("data");
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
