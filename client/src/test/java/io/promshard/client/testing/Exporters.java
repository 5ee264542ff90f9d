package io.promshard.client.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpServer;
import io.promshard.client.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Scrape targets served by the test on loopback, one port each, exposing a given number of series
 * and recording the time of every scrape (by any Prometheus).
 */
public final class Exporters implements AutoCloseable {

    /** One target. */
    public static final class Exporter {
        public final String address;
        public final int series;
        public final ConcurrentLinkedQueue<Long> scrapes = new ConcurrentLinkedQueue<>();
        final HttpServer server;
        /** While set, scrapes are answered 503: the target is down ({@code up == 0}). */
        public volatile boolean down;

        Exporter(HttpServer server, int series) {
            this.server = server;
            this.address = "127.0.0.1:" + server.getAddress().getPort();
            this.series = series;
        }

        /** Scrape times in [from, to], sorted. */
        public List<Long> scrapesBetween(long from, long to) {
            List<Long> out = new ArrayList<>();
            for (long t : scrapes) {
                if (t >= from && t <= to) {
                    out.add(t);
                }
            }
            out.sort(null);
            return out;
        }
    }

    public final List<Exporter> all = new ArrayList<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(8);

    /** Starts one exporter per entry of {@code seriesPerTarget}. */
    public Exporters(List<Integer> seriesPerTarget) throws IOException {
        for (int series : seriesPerTarget) {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            byte[] body = body(series);
            Exporter e = new Exporter(server, series);
            server.createContext("/metrics", exchange -> {
                e.scrapes.add(System.currentTimeMillis());
                if (e.down) {
                    exchange.sendResponseHeaders(503, -1);
                    exchange.close();
                    return;
                }
                exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(executor);
            server.start();
            all.add(e);
        }
    }

    /** Every exporter in one group with {@code labels}: the content of a file_sd file. */
    public String fileSd(Map<String, String> labels) {
        try {
            return Json.mapper().writeValueAsString(List.of(Map.of("labels", labels,
                    "targets", all.stream().map(e -> e.address).toList()))) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] body(int series) {
        StringBuilder sb = new StringBuilder("# TYPE e2e_series gauge\n");
        for (int i = 0; i < series; i++) {
            sb.append("e2e_series{i=\"").append(i).append("\"} ").append(i).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        all.forEach(e -> e.server.stop(0));
        executor.shutdownNow();
    }
}
