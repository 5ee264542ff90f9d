package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.util.Duration;
import io.promshard.client.Json;
import io.promshard.client.api.SeriesReport;
import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerAck;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.testing.ChildProcess;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import io.promshard.client.testing.PrometheusServer;
import io.promshard.client.zk.SeriesReportCodec;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ZkLayout;
import io.promshard.sidecar.SidecarConfiguration;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.prometheus.Acknowledger;
import io.promshard.sidecar.prometheus.PrometheusClient;
import io.promshard.sidecar.prometheus.ReadinessMonitor;
import io.promshard.sidecar.prometheus.SeriesReporter;
import io.promshard.sidecar.registration.WorkerRegistration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar's Prometheus integration against a real Prometheus (Debian's) and a real ZooKeeper:
 * registration gated on readiness, withdrawal when Prometheus dies, an ack only after every target
 * was scraped, series counts as Prometheus counts them.
 */
class SidecarPrometheusIT {

    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void readinessAcksAndSeriesComeFromTheLocalPrometheus() throws Exception {
        String prometheus = PrometheusServer.binary();
        int port = Processes.freePort();
        try (Exporters exporters = new Exporters(List.of(7, 50, 300));
             TestingServer zk = LoopbackZooKeeper.start()) {
            Path sd = Files.createDirectories(tmp.resolve("sd"));
            writePrometheusConfig(sd);
            SidecarConfiguration config = new SidecarConfiguration();
            config.getZookeeper().setConnectString(zk.getConnectString());
            config.getZookeeper().setCluster("it");
            config.getWorker().setId("w1");
            config.getWorker().setPrometheusUrl("http://127.0.0.1:" + port);
            config.setOutputDirectory(sd.toString());
            config.getPrometheus().setReadinessInterval(Duration.milliseconds(200));
            config.getPrometheus().setWithdrawAfter(Duration.seconds(2));
            config.getPrometheus().setConfirmInterval(Duration.milliseconds(200));
            config.getPrometheus().setSeriesReportInterval(Duration.seconds(1));
            ZkLayout layout = config.getZookeeper().layout();

            CuratorFramework curator = config.getZookeeper().buildCuratorFramework(zk.getConnectString());
            curator.start();
            ShareWatcher watcher = config.buildShareWatcher(curator);
            WorkerRegistration registration = config.buildRegistration(curator, watcher);
            PrometheusClient client = config.buildPrometheusClient();
            ReadinessMonitor readiness = config.buildReadinessMonitor(client, registration);
            Acknowledger acks = config.buildAcknowledger(curator, watcher, client, readiness::isReady);
            SeriesReporter series = config.buildSeriesReporter(curator, watcher, client, readiness::isReady);
            watcher.start();
            registration.start();
            readiness.start();
            acks.start();
            series.start();
            ChildProcess prom = null;
            try {
                // no Prometheus yet: registered, but UNREADY
                Poll.until("w1 registered UNREADY", WAIT, () -> state(curator, layout) == WorkerState.UNREADY);
                prom = startPrometheus(prometheus, port);
                Poll.until("w1 ACTIVE once Prometheus is ready", WAIT, () -> state(curator, layout) == WorkerState.ACTIVE);

                // an assignment: acknowledged only once Prometheus has scraped every target
                List<String> addresses = exporters.all.stream().map(e -> e.address).toList();
                publish(curator, layout, new Share(Share.FORMAT, "w1",
                        new TreeMap<>(Map.of("node", List.of(TargetGroup.of(addresses, Map.of("env", "it")))))));
                Poll.until("w1's ack of epoch 1", WAIT, () -> ack(curator, layout) != null);
                long ackedAt = System.currentTimeMillis();
                WorkerAck ack = ack(curator, layout);
                assertEquals(1, ack.epoch());
                assertTrue(ack.confirmed(), "confirmed by Prometheus");
                for (Exporters.Exporter e : exporters.all) {
                    assertTrue(!e.scrapesBetween(0, ackedAt).isEmpty(), e.address + " acknowledged before any scrape");
                }

                // series per target, as Prometheus counted them
                Poll.until("w1's series report", WAIT, () -> report(curator, layout).size() == 3);
                Map<String, Long> counted = report(curator, layout);
                for (Exporters.Exporter e : exporters.all) {
                    assertEquals((long) e.series, counted.get("node\u0000" + e.address), e.address);
                }

                // Prometheus killed: withdrawn after withdrawAfter, back when it is
                long killed = System.currentTimeMillis();
                prom.kill9();
                Poll.until("w1 withdrawn", WAIT, () -> state(curator, layout) == WorkerState.UNREADY);
                assertTrue(System.currentTimeMillis() - killed >= 1_800, "withdrawn before withdrawAfter");
                prom = startPrometheus(prometheus, port);
                Poll.until("w1 ACTIVE again", WAIT, () -> state(curator, layout) == WorkerState.ACTIVE);
            } finally {
                series.stop();
                acks.stop();
                readiness.stop();
                registration.stop();
                watcher.stop();
                curator.close();
                if (prom != null) {
                    prom.close();
                }
            }
        }
    }

    /** A Prometheus configuration scraping job node from the sidecar's file_sd files in {@code sd}. */
    private void writePrometheusConfig(Path sd) throws java.io.IOException {
        Files.writeString(tmp.resolve("prometheus.yml"), """
                global: {scrape_interval: 2s, scrape_timeout: 1s}
                scrape_configs:
                  - job_name: node
                    file_sd_configs: [{files: ["%s/*.json"]}]
                """.formatted(sd));
    }

    private ChildProcess startPrometheus(String binary, int port) throws Exception {
        return ChildProcess.start("prometheus-" + System.nanoTime(), tmp.resolve("logs"), List.of(binary,
                "--config.file=" + tmp.resolve("prometheus.yml"), "--storage.tsdb.path=" + tmp.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"));
    }

    private static WorkerState state(CuratorFramework curator, ZkLayout layout) {
        try {
            return Json.mapper().readValue(curator.getData().forPath(layout.worker("w1")), WorkerInfo.class).state();
        } catch (Exception e) {
            return null;
        }
    }

    private static WorkerAck ack(CuratorFramework curator, ZkLayout layout) {
        try {
            return Json.mapper().readValue(curator.getData().forPath(layout.ack("w1")), WorkerAck.class);
        } catch (Exception e) {
            return null;
        }
    }

    private static Map<String, Long> report(CuratorFramework curator, ZkLayout layout) {
        try {
            SeriesReport r = SeriesReportCodec.decode(layout.weight("w1"), curator.getData().forPath(layout.weight("w1")));
            return r.byKey();
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** Writes epoch 1 for w1 as the leader does: chunks first, then the manifest. */
    private static void publish(CuratorFramework curator, ZkLayout layout, Share share) throws Exception {
        ShareCodec.Encoded encoded = new ShareCodec().encode(share, 1);
        curator.create().creatingParentContainersIfNeeded().forPath(layout.assignment("w1"), new byte[0]);
        for (int i = 0; i < encoded.chunks().size(); i++) {
            curator.create().forPath(layout.chunk("w1", encoded.manifest().chunkName(i)), encoded.chunks().get(i));
        }
        curator.setData().forPath(layout.assignment("w1"), ShareCodec.encodeManifest(encoded.manifest()));
    }

    /**
     * The packaged sidecar restarted three times beside a running Prometheus: every registration it
     * writes says ACTIVE. An UNREADY moment (the registration used to be written before the first
     * readiness answer) made the coordinators move the worker's targets away without a hand-off.
     */
    @Test
    void restartsBesideARunningPrometheusNeverAnnounceUnready() throws Exception {
        Path root = Path.of(System.getProperty("promshard.root", "..")).toAbsolutePath().normalize();
        Path jar = root.resolve("worker-sidecar/target/promshard-worker-sidecar.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the end-to-end tests start the packaged jars");
        int port = Processes.freePort();
        try (TestingServer zk = LoopbackZooKeeper.start();
             CuratorFramework observer = new SidecarConfiguration().getZookeeper()
                     .buildCuratorFramework(zk.getConnectString())) {
            observer.start();
            Path sd = Files.createDirectories(tmp.resolve("sd"));
            writePrometheusConfig(sd);
            ZkLayout layout = ZkLayout.forCluster("it");
            List<WorkerState> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
            org.apache.curator.framework.recipes.cache.CuratorCache cache =
                    org.apache.curator.framework.recipes.cache.CuratorCache.build(observer, layout.worker("w1"));
            cache.listenable().addListener((type, before, after) -> {
                if (after != null && after.getData() != null && after.getData().length > 0) {
                    try {
                        announced.add(Json.mapper().readValue(after.getData(), WorkerInfo.class).state());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            cache.start();
            ChildProcess prom = startPrometheus(PrometheusServer.binary(), port);
            try {
                PrometheusClient client = new PrometheusClient("http://127.0.0.1:" + port, java.time.Duration.ofSeconds(2));
                Poll.until("Prometheus ready", WAIT, client::ready);
                for (int restart = 0; restart < 3; restart++) {
                    Path yml = tmp.resolve("sidecar-" + restart + ".yml");
                    int api = Processes.freePort();
                    Files.writeString(yml, """
                            zookeeper: {connectString: "%s", cluster: it}
                            worker: {id: w1, prometheusUrl: "http://127.0.0.1:%d"}
                            outputDirectory: %s
                            server:
                              applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                              adminConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                            """.formatted(zk.getConnectString(), port, sd, api, Processes.freePort()));
                    try (ChildProcess sidecar = ChildProcess.start("sidecar-" + restart, tmp.resolve("logs"),
                            Processes.smallJvm("-jar", jar.toString(), "server", yml.toString()))) {
                        int seen = announced.size();
                        Poll.until("restart " + restart + " registered", WAIT, () -> announced.size() > seen
                                && state(observer, layout) != null);
                    }
                    Poll.until("restart " + restart + " deregistered", WAIT, () -> state(observer, layout) == null);
                }
            } finally {
                cache.close();
                prom.close();
            }
            assertTrue(announced.size() >= 3, "a registration per start: " + announced);
            assertTrue(announced.stream().allMatch(s -> s == WorkerState.ACTIVE), "announced " + announced);
        }
    }
}
