package io.promshard.client.testing;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.promshard.client.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Debian's VictoriaMetrics single node, the storage the workers of a test or benchmark write to:
 * started with ops/victoria-metrics' arguments ({@link #start}), read through its API. A missing
 * binary is a failure with the reason.
 */
public final class VictoriaMetrics {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final int port;

    /** The storage answering on 127.0.0.1:{@code port}. */
    public VictoriaMetrics(int port) {
        this.port = port;
    }

    /**
     * Starts it as {@code victoria-metrics} in {@code processes} with {@code root}'s
     * ops/victoria-metrics arguments but for its data directory ({@code dir}/storage), a free loopback
     * port, the deduplication interval set to the scrapers' {@code scrapeSeconds}, and a latency offset
     * of 1 s (readers read seconds after writing); returns once it answers.
     */
    public static VictoriaMetrics start(Processes processes, Path root, Path dir, int scrapeSeconds) throws Exception {
        Path binary = Path.of("/usr/bin/victoria-metrics");
        if (!Files.isExecutable(binary)) {
            throw new AssertionError(
                    "VictoriaMetrics is missing: install Debian's victoria-metrics package (ops/test.sh does)");
        }
        int port = Processes.freePort();
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        for (String arg : DebianDefaults.args(root.resolve("ops/victoria-metrics/victoria-metrics"))) {
            String flag = arg.substring(0, arg.indexOf('=') + 1);
            command.add(switch (flag) {
                case "-storageDataPath=" -> flag + dir.resolve("storage");
                case "-httpListenAddr=" -> flag + "127.0.0.1:" + port;
                case "-dedup.minScrapeInterval=" -> flag + scrapeSeconds + "s";
                default -> arg;
            });
        }
        command.add("-search.latencyOffset=1s");
        processes.start("victoria-metrics", command);
        VictoriaMetrics storage = new VictoriaMetrics(port);
        Poll.until("VictoriaMetrics to answer", Duration.ofSeconds(120), Duration.ofMillis(250),
                () -> processes.alive("victoria-metrics") && !storage.json("/api/v1/query?query=1").isMissingNode());
        return storage;
    }

    public int port() {
        return port;
    }

    /** Where scrapers write: {@code http://127.0.0.1:<port>/api/v1/write}. */
    public URI writeUrl() {
        return URI.create("http://127.0.0.1:" + port + "/api/v1/write");
    }

    /** The single value of an instant query, or -1 when it answers no or several series (or does not answer). */
    public double value(String promql) {
        JsonNode r = json("/api/v1/query?query=" + encode(promql)).path("data").path("result");
        return r.size() == 1 ? r.get(0).path("value").path(1).asDouble() : -1;
    }

    /** A range query's result, one element per series. */
    public JsonNode queryRange(String promql, long from, long to, int stepSeconds) {
        return json("/api/v1/query_range?query=" + encode(promql) + "&start=" + from / 1000 + "&end=" + to / 1000
                + "&step=" + stepSeconds).path("data").path("result");
    }

    /** The raw samples of {@code selector} in [from, to], one JSON object per series (staleness markers as NaN or null). */
    public List<JsonNode> export(String selector, long from, long to) {
        String body = get("/api/v1/export?match[]=" + encode(selector) + "&start=" + from / 1000 + "&end=" + to / 1000);
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add(Json.mapper().reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).readTree(line));
                } catch (IOException e) {
                    throw new IllegalStateException("export line: " + line, e);
                }
            }
        }
        return out;
    }

    /** Sample times of {@code selector} in [from, to] per {@code instance}, every series of an instance merged, sorted. */
    public Map<String, List<Long>> timesByInstance(String selector, long from, long to) {
        Map<String, List<Long>> byInstance = new TreeMap<>();
        for (JsonNode s : export(selector, from, to)) {
            List<Long> times = byInstance.computeIfAbsent(s.path("metric").path("instance").asText(),
                    k -> new ArrayList<>());
            s.path("timestamps").forEach(t -> times.add(t.asLong()));
        }
        byInstance.values().forEach(times -> times.sort(null));
        return byInstance;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private JsonNode json(String path) {
        try {
            return Json.mapper().readTree(get(path));
        } catch (IOException | RuntimeException e) {
            return MissingNode.getInstance();
        }
    }

    private String get(String path) {
        URI uri = URI.create("http://127.0.0.1:" + port + path);
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(uri + ": HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
