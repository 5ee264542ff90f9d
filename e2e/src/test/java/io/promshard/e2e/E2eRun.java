package io.promshard.e2e;

import io.promshard.client.testing.ChildProcess;
import io.promshard.client.testing.DebianDefaults;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import io.promshard.client.testing.VictoriaMetrics;
import io.promshard.client.testing.PrometheusServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The shared set-up of the end-to-end tests, a JUnit 5 extension: the checkout's root (where the
 * packaged jars and ops/ are), a scratch directory under {@code promshard.e2e.dir}, the
 * {@link Processes} started there and the {@link Exporters} created, all stopped afterwards. As a
 * static field it lives for the class ({@code @BeforeAll} to {@code @AfterAll}), as an instance
 * field for each test.
 *
 * <pre>
 * &#64;RegisterExtension
 * final E2eRun run = new E2eRun("migration");
 * </pre>
 */
final class E2eRun implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    static final Duration WAIT = Duration.ofSeconds(120);

    private final String name;
    private final Duration grace;
    private Path root;
    private Path dir;
    private Processes processes;
    private final List<Exporters> exporters = new ArrayList<>();
    private boolean forTheClass;

    /** @param name the scratch directory's prefix */
    E2eRun(String name) {
        this(name, Duration.ofSeconds(20));
    }

    /** @param grace how long each process may take to stop before it is killed */
    E2eRun(String name, Duration grace) {
        this.name = name;
        this.grace = grace;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        forTheClass = true;
        open();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!forTheClass) {
            open();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!forTheClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    private void open() {
        root = Path.of(System.getProperty("promshard.root", "..")).toAbsolutePath().normalize();
        dir = Path.of(System.getProperty("promshard.e2e.dir", "target/e2e")).toAbsolutePath()
                .resolve(name + "-" + System.currentTimeMillis());
        processes = new Processes(dir, grace);
    }

    private void close() throws Exception {
        if (processes != null) {
            processes.close();
            processes = null;
        }
        exporters.forEach(Exporters::close);
        exporters.clear();
    }

    /** The checkout: the packaged jars under {@code <module>/target}, the examples under ops/. */
    Path root() {
        return root;
    }

    /** This run's scratch directory. */
    Path dir() {
        return dir;
    }

    Processes processes() {
        return processes;
    }

    /** Loopback exporters, one per entry (its series count), closed after the run. */
    Exporters exporters(List<Integer> seriesPerTarget) throws IOException {
        Exporters created = new Exporters(seriesPerTarget);
        exporters.add(created);
        return created;
    }

    /** Where the worker of {@link #haWorker} sends: the storage's and Alertmanager's ports (0: nowhere). */
    record HaTargets(int storagePort, int alertmanagerPort) {
    }

    /**
     * A worker Prometheus on ops/prometheus/worker-ha.yml and worker-rules.yml, as written but for
     * the intervals ({@code scrapeSeconds}; the rule's {@code for:} 3 intervals), the worker's name,
     * the sidecar's directory {@code sd}, and the storage and Alertmanager it sends to (a free port
     * where one is 0: nothing listens there).
     */
    ChildProcess haWorker(String worker, int scrapeSeconds, Path sd, HaTargets targets, String... flags)
            throws Exception {
        return haWorker(worker, Processes.freePort(), scrapeSeconds, sd, targets, UnaryOperator.identity(), flags);
    }

    /**
     * {@link #haWorker(String, int, Path, HaTargets, String...)} on {@code port}, its configuration
     * changed by {@code edit} after the substitutions (a test's own scrape configs or remote write).
     */
    ChildProcess haWorker(String worker, int port, int scrapeSeconds, Path sd, HaTargets targets,
                          UnaryOperator<String> edit, String... flags) throws Exception {
        Path d = Files.createDirectories(dir.resolve(worker));
        Files.writeString(d.resolve("worker-rules.yml"), Files.readString(root.resolve("ops/prometheus/worker-rules.yml"))
                .replace("for: 1m", "for: " + 3 * scrapeSeconds + "s"));
        int storage = targets.storagePort() == 0 ? Processes.freePort() : targets.storagePort();
        int alertmanager = targets.alertmanagerPort() == 0 ? Processes.freePort() : targets.alertmanagerPort();
        String config = Files.readString(root.resolve("ops/prometheus/worker-ha.yml"))
                .replace("scrape_interval: 30s", "scrape_interval: " + scrapeSeconds + "s")
                .replace("scrape_timeout: 10s", "scrape_timeout: 1s")
                .replace("evaluation_interval: 30s", "evaluation_interval: " + scrapeSeconds + "s")
                .replace("promshard_worker: prom-1", "promshard_worker: " + worker)
                .replace("/var/lib/promshard/sd", sd.toString())
                .replace("http://127.0.0.1:8428/", "http://127.0.0.1:" + storage + "/")
                .replace("127.0.0.1:9093", "127.0.0.1:" + alertmanager)
                .replace("127.0.0.1:9090", "127.0.0.1:" + port);
        Files.writeString(d.resolve("prometheus.yml"), edit.apply(config));
        return prometheus(worker, d.resolve("prometheus.yml"), d.resolve("data"), port, flags);
    }

    /**
     * A worker in Prometheus' agent mode as {@code prometheus-<worker>} on 127.0.0.1:{@code port}, on
     * ops/prometheus/worker-agent.yml as written but for the intervals ({@code scrapeSeconds}), the
     * worker's name, the sidecar's directory {@code sd} and the storage on {@code storagePort}.
     */
    ChildProcess agentWorker(String worker, int port, int scrapeSeconds, Path sd, int storagePort) throws Exception {
        Path d = Files.createDirectories(dir.resolve(worker));
        String config = Files.readString(root.resolve("ops/prometheus/worker-agent.yml"))
                .replace("scrape_interval: 30s", "scrape_interval: " + scrapeSeconds + "s")
                .replace("scrape_timeout: 10s", "scrape_timeout: 1s")
                .replace("promshard_worker: agent-1", "promshard_worker: " + worker)
                .replace("/var/lib/promshard/sd", sd.toString())
                .replace("http://127.0.0.1:8428/", "http://127.0.0.1:" + storagePort + "/")
                .replace("127.0.0.1:9090", "127.0.0.1:" + port);
        Files.writeString(d.resolve("agent.yml"), config);
        List<String> command = List.of(PrometheusServer.binary(), "--enable-feature=agent",
                "--config.file=" + d.resolve("agent.yml"), "--storage.agent.path=" + d.resolve("agent-data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn");
        return startScraper("prometheus-" + worker, command, port);
    }

    /**
     * A vmagent worker as {@code prometheus-<worker>} (the name every worker's scraper has here) on
     * 127.0.0.1:{@code port}, with ops/vmagent/vmagent's arguments and ops/vmagent/scrape.yml as
     * written but for the scrape interval ({@code scrapeSeconds}), the worker's name, the sidecar's
     * directory {@code sd}, its queue directory and the storage on {@code storagePort}.
     */
    ChildProcess vmagentWorker(String worker, int port, int scrapeSeconds, Path sd, int storagePort) throws Exception {
        Path d = Files.createDirectories(dir.resolve(worker));
        Files.writeString(d.resolve("scrape.yml"), Files.readString(root.resolve("ops/vmagent/scrape.yml"))
                .replace("scrape_interval: 30s", "scrape_interval: " + scrapeSeconds + "s")
                .replace("scrape_timeout: 10s", "scrape_timeout: 1s")
                .replace("/var/lib/promshard/sd", sd.toString()));
        List<String> command = new ArrayList<>(List.of("/usr/bin/vmagent"));
        for (String arg : DebianDefaults.args(root.resolve("ops/vmagent/vmagent"))) {
            String flag = arg.substring(0, arg.indexOf('=') + 1);
            command.add(switch (flag) {
                case "-promscrape.config=" -> flag + d.resolve("scrape.yml");
                case "-remoteWrite.url=" -> flag + "http://127.0.0.1:" + storagePort + "/api/v1/write";
                case "-remoteWrite.label=" -> flag + "promshard_worker=" + worker;
                case "-remoteWrite.tmpDataPath=" -> flag + d.resolve("queue");
                case "-httpListenAddr=" -> flag + "127.0.0.1:" + port;
                default -> arg;
            });
        }
        if (!Files.isExecutable(Path.of(command.get(0)))) {
            throw new IllegalStateException("vmagent is missing: install Debian's victoria-metrics package (ops/test.sh does)");
        }
        return startScraper("prometheus-" + worker, command, port);
    }

    private ChildProcess startScraper(String name, List<String> command, int port) throws IOException {
        ChildProcess p = processes.start(name, command);
        Poll.until(name + " to be ready", WAIT, Duration.ofMillis(250), () -> processes.alive(name)
                && Http.status(URI.create("http://127.0.0.1:" + port + "/-/ready")) == 200);
        return p;
    }

    /** {@link VictoriaMetrics#start} in this run's processes and directory. */
    VictoriaMetrics victoriaMetrics(int scrapeSeconds) throws Exception {
        return VictoriaMetrics.start(processes, root, dir, scrapeSeconds);
    }

    /**
     * Debian's Prometheus as {@code prometheus-<name>} on {@code config}, data in {@code data}, on
     * 127.0.0.1:{@code port} (with {@code flags}), once it answers its API.
     */
    ChildProcess prometheus(String name, Path config, Path data, int port, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(PrometheusServer.binary(), "--config.file=" + config,
                "--storage.tsdb.path=" + data, "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"));
        command.addAll(List.of(flags));
        ChildProcess p = processes.start("prometheus-" + name, command);
        Poll.until("Prometheus " + name + " to be ready", WAIT, Duration.ofMillis(250),
                () -> processes.alive("prometheus-" + name)
                        && !Http.json(URI.create("http://127.0.0.1:" + port + "/api/v1/status/buildinfo")).isMissingNode());
        return p;
    }
}
