package io.promshard.client.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's package, which the test command installs) started on loopback with a
 * given configuration, its data and log in a scratch directory; or, answering the same readiness and
 * targets API, a Prometheus agent or a vmagent. A missing binary is a failure with the reason,
 * never a skip.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The binary: {@code PROMSHARD_PROMETHEUS}, else {@code prometheus} on the PATH. */
    public static String binary() {
        String explicit = System.getenv("PROMSHARD_PROMETHEUS");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return explicit;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "prometheus");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("Prometheus is not installed: ops/test.sh installs Debian's prometheus package "
                + "(apt-get install prometheus); or set PROMSHARD_PROMETHEUS to its binary");
    }

    /** Starts Prometheus on {@code config} in {@code dir} and waits until it answers ready. */
    public static PrometheusServer start(Path config, Path dir) throws Exception {
        int port = freePort();
        return start("Prometheus", List.of(binary(), "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve("data")),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=info"), port, dir);
    }

    /** Starts Prometheus in agent mode (no local storage, no query API) on {@code config} in {@code dir}. */
    public static PrometheusServer startAgent(Path config, Path dir) throws Exception {
        int port = freePort();
        return start("Prometheus agent", List.of(binary(), "--enable-feature=agent", "--config.file=" + config,
                "--storage.agent.path=" + Files.createDirectories(dir.resolve("agent")),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=info"), port, dir);
    }

    /**
     * Starts vmagent (Debian's victoria-metrics package) on the Prometheus scrape configuration
     * {@code config} in {@code dir}, writing to {@code remoteWrite} (it needs one; an address nothing
     * listens on keeps the samples in its queue under {@code dir}).
     */
    public static PrometheusServer startVmagent(Path config, Path dir, URI remoteWrite) throws Exception {
        Path vmagent = Path.of("/usr/bin/vmagent");
        if (!Files.isExecutable(vmagent)) {
            throw new AssertionError("vmagent is not installed: ops/test.sh installs Debian's victoria-metrics package "
                    + "(apt-get install victoria-metrics)");
        }
        int port = freePort();
        return start("vmagent", List.of(vmagent.toString(), "-promscrape.config=" + config,
                "-remoteWrite.url=" + remoteWrite, "-remoteWrite.tmpDataPath=" + Files.createDirectories(dir.resolve("queue")),
                // file_sd files are re-read every 1s rather than its default minute, as a sidecar's worker needs
                "-promscrape.fileSDCheckInterval=1s", "-httpListenAddr=127.0.0.1:" + port, "-loggerLevel=INFO"),
                port, dir);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static PrometheusServer start(String what, List<String> command, int port, Path dir) throws Exception {
        Path log = dir.resolve(what.replace(' ', '-').toLowerCase(Locale.ROOT) + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, port, log);
        try {
            Poll.until(what + " ready on port " + port, Duration.ofSeconds(60), Duration.ofMillis(100),
                    () -> {
                        if (!process.isAlive()) {
                            throw new AssertionError(what + " exited with " + process.exitValue());
                        }
                        return server.status("/-/ready") == 200;
                    });
        } catch (AssertionError e) {
            server.close();
            throw new AssertionError(e.getMessage() + "; its log:\n" + Files.readString(log), e);
        }
        return server;
    }

    /** Where it answers: {@code http://127.0.0.1:<port>/}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /** The JSON answer of an API path ({@code /api/v1/targets?state=active}); fails on another status. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError(path + ": HTTP " + r.statusCode() + ": " + r.body());
        }
        return Json.mapper().readTree(r.body());
    }

    private int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
