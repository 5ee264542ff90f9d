package io.promshard.coordinator.cluster;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An http_sd endpoint on loopback serving one group of {@code count} targets of job {@code job}, that
 * can be made to stall: it then sends its headers and the first bytes of the body and nothing more
 * until it is resumed (what a hung upstream does).
 */
public final class StallingHttpSd implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final String job;
    private final byte[] body;
    private final Set<String> targets = new TreeSet<>();
    private volatile CountDownLatch stalled;

    public StallingHttpSd(String job, int count) throws IOException {
        this.job = job;
        StringBuilder json = new StringBuilder("[{\"labels\": {\"source\": \"http\"}, \"targets\": [");
        for (int i = 0; i < count; i++) {
            String address = "10.9." + (i / 200) + "." + (i % 200) + ":9115";
            json.append(i == 0 ? "" : ",").append('"').append(address).append('"');
            targets.add(job + "/" + address);
        }
        body = json.append("]}]").toString().getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/sd", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            CountDownLatch stall = stalled;
            if (stall != null) {
                exchange.getResponseBody().write(body, 0, 5);
                exchange.getResponseBody().flush();
                try {
                    stall.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sd");
    }

    public String job() {
        return job;
    }

    /** The target keys it serves, as the sidecars' files name them: {@code job/address}. */
    public Set<String> targets() {
        return Set.copyOf(targets);
    }

    public boolean isStalled() {
        return stalled != null;
    }

    public void stall() {
        if (stalled == null) {
            stalled = new CountDownLatch(1);
        }
    }

    /** Answers in full again, and lets the stalled answers finish. */
    public void resume() {
        CountDownLatch stall = stalled;
        stalled = null;
        if (stall != null) {
            stall.countDown();
        }
    }

    @Override
    public void close() {
        resume();
        server.stop(0);
        threads.shutdownNow();
    }
}
