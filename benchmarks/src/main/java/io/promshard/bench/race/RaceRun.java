package io.promshard.bench.race;

import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Processes;
import io.promshard.client.testing.PrometheusServer;
import io.promshard.client.testing.VictoriaMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every contender of one race shares: the checkout's root (the packaged jars, ops/), a scratch
 * directory, the processes, the exporters' file_sd file, the storage and the scrape interval; and
 * how a Prometheus or a vmagent scraper is started here.
 */
final class RaceRun {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final Duration WAIT = Duration.ofSeconds(120);

    final Path root;
    final Path dir;
    final Processes processes;
    final Exporters exporters;
    final VictoriaMetrics storage;
    final int scrapeSeconds;
    /** Every exporter, one file_sd group: the inventory each contender shards. */
    final Path targets;

    RaceRun(Path root, Path dir, Processes processes, Exporters exporters, VictoriaMetrics storage, int scrapeSeconds)
            throws IOException {
        this.root = root;
        this.dir = dir;
        this.processes = processes;
        this.exporters = exporters;
        this.storage = storage;
        this.scrapeSeconds = scrapeSeconds;
        this.targets = dir.resolve("targets.json");
        Files.writeString(targets, exporters.fileSd(Map.of()));
    }

    /** The {@code global:} block and remote write of a Prometheus scraper named {@code scraper} in {@code setup}. */
    String prometheusHead(String setup, String scraper) {
        return """
                global:
                  scrape_interval: %ds
                  scrape_timeout: 1s
                  external_labels: {setup: %s, scraper: %s}
                remote_write:
                  - url: %s
                """.formatted(scrapeSeconds, setup, scraper, storage.writeUrl());
    }

    /** A Prometheus as {@code name} on {@code config} (reloadable through its API), once it is ready; returns its port. */
    int prometheus(String name, Path config) throws Exception {
        int port = Processes.freePort();
        processes.start(name, List.of(PrometheusServer.binary(), "--config.file=" + config,
                "--storage.tsdb.path=" + Files.createDirectories(dir.resolve(name + "-data")),
                "--web.listen-address=127.0.0.1:" + port, "--web.enable-lifecycle", "--log.level=warn"));
        awaitReady(name, port);
        return port;
    }

    /**
     * A vmagent as {@code name} scraping {@code scrapeConfig}, writing to the storage with the labels
     * {@code setup} and {@code scraper}, re-reading file_sd every second, with {@code flags}; returns its port.
     */
    int vmagent(String name, Path scrapeConfig, String setup, String scraper, List<String> flags) throws Exception {
        int port = Processes.freePort();
        List<String> command = new ArrayList<>(List.of("/usr/bin/vmagent", "-promscrape.config=" + scrapeConfig,
                "-promscrape.fileSDCheckInterval=1s", "-remoteWrite.url=" + storage.writeUrl(),
                "-remoteWrite.label=setup=" + setup, "-remoteWrite.label=scraper=" + scraper,
                "-remoteWrite.tmpDataPath=" + dir.resolve(name + "-queue"), "-httpListenAddr=127.0.0.1:" + port,
                "-loggerLevel=WARN"));
        command.addAll(flags);
        if (!Files.isExecutable(Path.of(command.get(0)))) {
            throw new IllegalStateException("vmagent is missing: install Debian's victoria-metrics package");
        }
        processes.start(name, command);
        awaitReady(name, port);
        return port;
    }

    /** A vmagent scrape configuration of one job reading {@code file}. */
    Path vmagentScrapeConfig(String name, Path file) throws IOException {
        Path config = dir.resolve(name + "-scrape.yml");
        Files.writeString(config, """
                global: {scrape_interval: %ds, scrape_timeout: 1s}
                scrape_configs:
                  - job_name: node
                    file_sd_configs: [{files: ["%s"]}]
                """.formatted(scrapeSeconds, file));
        return config;
    }

    void awaitReady(String name, int port) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (status(URI.create("http://127.0.0.1:" + port + "/-/ready"), "GET") != 200) {
            if (!processes.alive(name)) {
                throw new IllegalStateException(name + " exited: " + processes.get(name).tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not ready after " + WAIT);
            }
            Thread.sleep(100); // polling the process's readiness
        }
    }

    /** The status code of a request without a body, -1 when nothing answers. */
    static int status(URI uri, String method) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
