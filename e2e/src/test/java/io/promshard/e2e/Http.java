package io.promshard.e2e;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The HTTP the end-to-end tests speak to the processes they start: JSON answers, PromQL, reloads. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Http() {
    }

    /** The body of a GET answered 200; fails otherwise. */
    static String get(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build());
    }

    /** The status code of a GET, -1 while nothing answers. */
    static int status(URI uri) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A POST without a body answered 200 (a Prometheus {@code /-/reload}); fails otherwise. */
    static void post(URI uri) {
        send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody())
                .build());
    }

    /** The JSON body of a GET, or a missing node while the process does not answer (yet). */
    static JsonNode json(URI uri) {
        try {
            return Json.mapper().readTree(get(uri));
        } catch (IOException | RuntimeException e) {
            return MissingNode.getInstance();
        }
    }

    /** An instant query's result vector at the Prometheus on {@code port}. */
    static JsonNode query(int port, String promql) {
        return json(URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8))).path("data").path("result");
    }

    /** The {@code instance} label of every series an instant query returns. */
    static List<String> instances(int port, String promql) {
        List<String> out = new ArrayList<>();
        query(port, promql).forEach(r -> out.add(r.path("metric").path("instance").asText()));
        return out;
    }

    /** The active targets of one scrape pool (job) at the Prometheus on {@code port}. */
    static int activeTargets(int port, String pool) {
        int n = 0;
        for (JsonNode t : json(URI.create("http://127.0.0.1:" + port + "/api/v1/targets?state=active"))
                .path("data").path("activeTargets")) {
            n += t.path("scrapePool").asText().equals(pool) ? 1 : 0;
        }
        return n;
    }

    private static String send(HttpRequest request) {
        try {
            HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(request.uri() + ": HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
