package io.promshard.client.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.api.ShareView;
import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.Coverage;
import io.promshard.client.api.DrainStatus;
import io.promshard.client.api.DryRun;
import io.promshard.client.api.InventorySummary;
import io.promshard.client.api.ManagedTargets;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.TargetLookup;
import io.promshard.client.api.WorkerView;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small Java API over the coordinator's REST API v1. Every call is one HTTP request; a refused
 * request throws {@link CoordinatorException} carrying the status and the coordinator's message, an
 * unreachable coordinator throws one with status 0. Thread-safe and cheap to keep.
 *
 * <p>Given several coordinators of one cluster, a call that finds a coordinator unreachable or
 * answering 503 (a standby asked what only the leader knows, a leader that has not published yet)
 * is tried on the next; the coordinator that answered is asked first next time. When none answers,
 * the error of the first that answered at all is thrown (a coordinator's own message beats
 * "unreachable").
 *
 * <pre>
 * CoordinatorClient c = new CoordinatorClient(List.of(URI.create("http://10.0.0.1:8080"),
 *         URI.create("http://10.0.0.2:8080")), token);
 * for (WorkerView w : c.workers()) { ... }
 * c.drain("w-3", "kernel upgrade");
 * </pre>
 */
public final class CoordinatorClient {

    /** Largest answer read: every assignment of a million targets fits; the timeout bounds the whole answer. */
    static final long MAX_ANSWER_BYTES = 512L << 20;

    private final List<URI> bases;
    private final AtomicInteger preferred = new AtomicInteger();
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /** @param token bearer token for mutating calls, null or empty for read-only use */
    public CoordinatorClient(URI base, String token) {
        this(List.of(base), token);
    }

    /** @param bases the coordinators of one cluster, in the order to try them first */
    public CoordinatorClient(List<URI> bases, String token) {
        this(bases, token, Duration.ofSeconds(30));
    }

    public CoordinatorClient(List<URI> bases, String token, Duration timeout) {
        if (Objects.requireNonNull(bases, "bases").isEmpty()) {
            throw new IllegalArgumentException("no coordinator URL given");
        }
        this.bases = bases.stream().map(CoordinatorClient::trimmed).toList();
        this.token = token == null ? "" : token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * Coordinator URLs separated by commas ({@code http://a:8080,http://b:8080}), as the CLI and
     * {@code PROMSHARD_COORDINATOR} take them.
     *
     * @throws IllegalArgumentException naming the entry that is not an http(s) URL
     */
    public static List<URI> parseBases(String urls) {
        List<URI> out = new ArrayList<>();
        String[] parts = urls.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String u = parts[i].trim();
            URI uri;
            try {
                uri = new URI(u);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("coordinator URL " + (i + 1) + " \"" + u + "\": " + e.getReason());
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("coordinator URL " + (i + 1) + " \"" + u
                        + "\": not an http:// or https:// URL with a host");
            }
            out.add(uri);
        }
        return out;
    }

    /** The coordinator asked first: the one that answered last. */
    public URI base() {
        return bases.get(preferred.get());
    }

    public List<URI> bases() {
        return bases;
    }

    private static URI trimmed(URI base) {
        String b = Objects.requireNonNull(base, "base").toString();
        return URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    }

    /**
     * The status, the leader's when it can be had: every coordinator answers, but only the leader's
     * hand-offs and deferred moves are current, so a standby's answer stands only when no other
     * coordinator given leads (or none other answers).
     */
    public CoordinatorStatus status() throws CoordinatorException {
        CoordinatorStatus answer = get("/api/v1/status", CoordinatorStatus.class);
        int answered = preferred.get();
        for (int i = 1; i < bases.size() && !answer.isLeader(); i++) {
            int at = (answered + i) % bases.size();
            try {
                CoordinatorStatus other = call(bases.get(at), "GET", "/api/v1/status", null,
                        Json.mapper().constructType(CoordinatorStatus.class));
                if (other.isLeader()) {
                    preferred.set(at);
                    answer = other;
                }
            } catch (CoordinatorException e) {
                // unreachable or failing: the standby's answer stands
            }
        }
        return answer;
    }

    public List<WorkerView> workers() throws CoordinatorException {
        return get("/api/v1/workers", new TypeReference<List<WorkerView>>() { });
    }

    public ShareView assignment(String worker) throws CoordinatorException {
        return get("/api/v1/assignments/" + enc(worker), ShareView.class);
    }

    /** Which workers own {@code job}/{@code address} and why. */
    public TargetLookup owner(String job, String address) throws CoordinatorException {
        return get("/api/v1/targets/" + enc(job) + "/" + enc(address), TargetLookup.class);
    }

    /** Recent rebalances, newest first. */
    public List<RebalanceEvent> events() throws CoordinatorException {
        return get("/api/v1/events", new TypeReference<List<RebalanceEvent>>() { });
    }

    /** @param scenario {@code leave}, {@code drain} or {@code join} */
    public DryRun dryRun(String scenario, String worker, int capacity, String zone) throws CoordinatorException {
        return get("/api/v1/dryrun/" + enc(scenario) + "/" + enc(worker) + "?capacity=" + capacity
                + "&zone=" + enc(zone == null ? "" : zone), DryRun.class);
    }

    public Coverage coverage() throws CoordinatorException {
        return get("/api/v1/coverage", Coverage.class);
    }

    public DrainStatus drainStatus(String worker) throws CoordinatorException {
        return get("/api/v1/workers/" + enc(worker) + "/drain", DrainStatus.class);
    }

    public DrainStatus drain(String worker, String reason) throws CoordinatorException {
        return send("POST", "/api/v1/workers/" + enc(worker) + "/drain",
                Map.of("reason", reason == null ? "" : reason), DrainStatus.class);
    }

    public DrainStatus undrain(String worker) throws CoordinatorException {
        return send("DELETE", "/api/v1/workers/" + enc(worker) + "/drain", null, DrainStatus.class);
    }

    public InventorySummary inventory() throws CoordinatorException {
        return get("/api/v1/inventory", InventorySummary.class);
    }

    public ManagedTargets managedTargets(String job) throws CoordinatorException {
        return get("/api/v1/inventory/" + enc(job), ManagedTargets.class);
    }

    /** Adds (or replaces, by address) REST-managed targets of {@code job}. */
    public ManagedTargets addTargets(String job, List<TargetGroup> groups) throws CoordinatorException {
        return send("POST", "/api/v1/inventory/" + enc(job), groups, ManagedTargets.class);
    }

    public ManagedTargets removeTargets(String job, Collection<String> addresses) throws CoordinatorException {
        StringBuilder q = new StringBuilder();
        for (String a : addresses) {
            q.append(q.length() == 0 ? '?' : '&').append("target=").append(enc(a));
        }
        return send("DELETE", "/api/v1/inventory/" + enc(job) + q, null, ManagedTargets.class);
    }

    /** A worker's share in http_sd format. */
    public List<TargetGroup> serviceDiscovery(String worker, String job) throws CoordinatorException {
        return get("/api/v1/sd/" + enc(worker) + (job == null ? "" : "?job=" + enc(job)),
                new TypeReference<List<TargetGroup>>() { });
    }

    private <T> T get(String path, Class<T> type) throws CoordinatorException {
        return call("GET", path, null, Json.mapper().constructType(type));
    }

    private <T> T get(String path, TypeReference<T> type) throws CoordinatorException {
        return call("GET", path, null, Json.mapper().constructType(type));
    }

    private <T> T send(String method, String path, Object body, Class<T> type) throws CoordinatorException {
        return call(method, path, body, Json.mapper().constructType(type));
    }

    private <T> T call(String method, String path, Object body, JavaType type) throws CoordinatorException {
        int first = preferred.get();
        CoordinatorException answered = null;
        CoordinatorException unreachable = null;
        for (int i = 0; i < bases.size(); i++) {
            int at = (first + i) % bases.size();
            try {
                T value = call(bases.get(at), method, path, body, type);
                preferred.set(at);
                return value;
            } catch (CoordinatorException e) {
                boolean next = e.unreachable() || e.status() == 503;
                if (!next || bases.size() == 1) {
                    throw e;
                }
                if (e.unreachable()) {
                    unreachable = unreachable == null ? e : unreachable;
                } else {
                    answered = answered == null ? e : answered;
                }
            }
        }
        throw answered != null ? answered : unreachable;
    }

    private <T> T call(URI base, String method, String path, Object body, JavaType type) throws CoordinatorException {
        URI uri = URI.create(base + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
        try {
            if (body != null) {
                b.header("Content-Type", "application/json");
                b.method(method, HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body)));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            if (!token.isEmpty() && !method.equals("GET")) {
                b.header("Authorization", "Bearer " + token);
            }
            HttpResponse<byte[]> r = BoundedHttp.send(http, b.build(), MAX_ANSWER_BYTES, timeout);
            if (r.statusCode() / 100 != 2) {
                throw new CoordinatorException(r.statusCode(), method + " " + path + ": " + r.statusCode() + " "
                        + message(r.body()), null);
            }
            try {
                return Json.mapper().readValue(r.body(), type);
            } catch (IOException e) {
                throw new CoordinatorException(r.statusCode(), method + " " + path + ": unexpected answer: "
                        + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new CoordinatorException(0, "cannot reach the coordinator at " + base + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoordinatorException(0, "interrupted while calling " + uri, e);
        }
    }

    private static String message(byte[] body) {
        try {
            JsonNode n = Json.mapper().readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText();
            }
        } catch (IOException e) {
            // not JSON: show the start of the body
        }
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
