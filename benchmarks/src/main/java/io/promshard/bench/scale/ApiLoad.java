package io.promshard.bench.scale;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The read load of a wall of dashboards and a few Prometheus servers on the coordinator: each of
 * {@code clients} asks for the status, the workers list, {@code /metrics} and the dashboard's page
 * once a second, its first request at a random offset within the second. Every answer's latency is
 * kept by endpoint; {@link #figures()} gives their count, p50, p99 and maximum.
 */
final class ApiLoad implements AutoCloseable {

    /** What a dashboard and a Prometheus server ask for, by the name the figures use. */
    private static final Map<String, String> ENDPOINTS = Map.of("status", "/api/v1/status", "workers",
            "/api/v1/workers", "metrics", "/metrics", "dashboard", "/");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final int clients;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ScheduledExecutorService executor;
    private final Map<String, List<Long>> micros = new LinkedHashMap<>();
    private final AtomicLong errors = new AtomicLong();

    ApiLoad(URI base, int clients) {
        this.base = base;
        this.clients = clients;
        this.executor = Executors.newScheduledThreadPool(Math.max(1, clients));
        ENDPOINTS.keySet().stream().sorted().forEach(name -> micros.put(name, new ArrayList<>()));
    }

    /** Starts the clients; each polls every endpoint once a second until {@link #close()}. */
    void start(long seed) {
        java.util.Random random = new java.util.Random(seed);
        for (int c = 0; c < clients; c++) {
            executor.scheduleAtFixedRate(this::pollOnce, random.nextInt(1_000), 1_000, TimeUnit.MILLISECONDS);
        }
    }

    private void pollOnce() {
        ENDPOINTS.forEach((name, path) -> {
            long started = System.nanoTime();
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() != 200) {
                    errors.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                errors.incrementAndGet();
            }
            long took = (System.nanoTime() - started) / 1_000;
            List<Long> list = micros.get(name);
            synchronized (list) {
                list.add(took);
            }
        });
    }

    /** Forgets the latencies and errors so far: the figures start from here. */
    void reset() {
        micros.values().forEach(list -> {
            synchronized (list) {
                list.clear();
            }
        });
        errors.set(0);
    }

    /** Clients, requests, errors, and per endpoint the count and the p50, p99 and maximum in ms. */
    Map<String, Object> figures() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("clients", clients);
        long requests = 0;
        Map<String, Object> byEndpoint = new LinkedHashMap<>();
        for (Map.Entry<String, List<Long>> e : micros.entrySet()) {
            List<Long> sorted;
            synchronized (e.getValue()) {
                sorted = e.getValue().stream().sorted().toList();
            }
            requests += sorted.size();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("count", sorted.size());
            f.put("p50_ms", sorted.isEmpty() ? -1 : sorted.get((sorted.size() - 1) / 2) / 1000.0);
            f.put("p99_ms", sorted.isEmpty() ? -1 : sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1) / 1000.0);
            f.put("max_ms", sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1) / 1000.0);
            byEndpoint.put(e.getKey(), f);
        }
        out.put("requests", requests);
        out.put("errors", errors.get());
        out.put("endpoints", byEndpoint);
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
