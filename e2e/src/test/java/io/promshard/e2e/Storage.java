package io.promshard.e2e;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The VictoriaMetrics the workers of a test write to ({@link E2eRun#victoriaMetrics}), read through its API. */
final class Storage {

    private final int port;

    Storage(int port) {
        this.port = port;
    }

    int port() {
        return port;
    }

    /** The single value of an instant query, or -1 when it answers no or several series. */
    double value(String promql) {
        JsonNode r = Http.query(port, promql);
        return r.size() == 1 ? r.get(0).path("value").path(1).asDouble() : -1;
    }

    /** A range query's result, one element per series. */
    JsonNode queryRange(String promql, long from, long to, int stepSeconds) {
        return Http.json(URI.create("http://127.0.0.1:" + port + "/api/v1/query_range?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&start=" + from / 1000 + "&end=" + to / 1000
                + "&step=" + stepSeconds)).path("data").path("result");
    }

    /** The raw samples of {@code selector} in [from, to], one JSON object per series. */
    List<JsonNode> export(String selector, long from, long to) {
        String body = Http.get(URI.create("http://127.0.0.1:" + port + "/api/v1/export?match[]="
                + URLEncoder.encode(selector, StandardCharsets.UTF_8) + "&start=" + from / 1000 + "&end=" + to / 1000));
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                try {
                    // staleness markers come back as NaN or null
                    out.add(Json.mapper().reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).readTree(line));
                } catch (IOException e) {
                    throw new IllegalStateException("export line: " + line, e);
                }
            }
        }
        return out;
    }

    /** Sample times of {@code selector} in [from, to] per {@code instance}, every series of an instance merged, sorted. */
    Map<String, List<Long>> timesByInstance(String selector, long from, long to) {
        Map<String, List<Long>> byInstance = new TreeMap<>();
        for (JsonNode s : export(selector, from, to)) {
            List<Long> times = byInstance.computeIfAbsent(s.path("metric").path("instance").asText(),
                    k -> new ArrayList<>());
            s.path("timestamps").forEach(t -> times.add(t.asLong()));
        }
        byInstance.values().forEach(times -> times.sort(null));
        return byInstance;
    }
}
