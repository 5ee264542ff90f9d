package io.promshard.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import io.promshard.client.Json;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.ZkLayout;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidecarApplicationTest {

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @TempDir
    Path tmp;

    @Test
    void registersServesStatusAndDeregistersOnStop() throws Exception {
        try (TestingServer zk = LoopbackZooKeeper.start();
             CuratorFramework observer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
            observer.start();
            // files from before a restart: served over http_sd exactly as Prometheus reads them from disk
            new io.promshard.client.filesd.FileSdDirectory(tmp.resolve("sd")).write("node", java.util.List.of(
                    io.promshard.client.api.TargetGroup.of(java.util.List.of("10.0.0.1:9100", "10.0.0.2:9100"),
                            java.util.Map.of("env", "prod"))));
            DropwizardTestSupport<SidecarConfiguration> app = new DropwizardTestSupport<>(SidecarApplication.class,
                    ResourceHelpers.resourceFilePath("sidecar-test.yml"),
                    ConfigOverride.config("zookeeper.connectString", zk.getConnectString()),
                    ConfigOverride.config("outputDirectory", tmp.resolve("sd").toString()));
            app.before();
            String node = ZkLayout.forCluster("apptest").worker("w-app");
            try {
                Poll.until("the worker znode", Duration.ofSeconds(30), () -> {
                    try {
                        return observer.checkExists().forPath(node) != null;
                    } catch (Exception e) {
                        return false;
                    }
                });
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.getLocalPort() + "/api/v1/status")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                // sidecar-test.yml has a server block whose admin connector names no bindHost
                assertTrue(io.promshard.client.testing.ListeningSockets.onLoopbackOnly(app.getAdminPort()),
                        "admin port listens on " + io.promshard.client.testing.ListeningSockets.addresses(app.getAdminPort()));
                JsonNode status = Json.mapper().readTree(r.body());
                assertTrue(status.get("registered").asBoolean(), r.body());
                assertEquals("w-app", status.at("/applied/worker").asText());
                assertEquals(0, status.at("/applied/epoch").asLong());

                String base = "http://127.0.0.1:" + app.getLocalPort();
                HttpResponse<String> sd = get(base + "/sd?job=node");
                assertEquals(200, sd.statusCode(), sd.body());
                assertTrue(sd.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
                JsonNode groups = Json.mapper().readTree(sd.body());
                assertEquals(1, groups.size());
                assertEquals("10.0.0.2:9100", groups.get(0).get("targets").get(1).asText());
                assertEquals("prod", groups.get(0).get("labels").get("env").asText());
                assertEquals(sd.body().replaceAll("\\s", ""), get(base + "/sd").body().replaceAll("\\s", ""));
                assertEquals("[]", get(base + "/sd?job=other").body());
                HttpResponse<String> bad = get(base + "/sd?job=..%2Fetc");
                assertEquals(400, bad.statusCode(), bad.body());
                assertTrue(Json.mapper().readTree(bad.body()).get("message").asText().contains("invalid job name"));

                HttpResponse<String> metrics = get(base + "/metrics");
                assertEquals(200, metrics.statusCode());
                assertTrue(metrics.headers().firstValue("Content-Type").orElse("").contains("version=0.0.4"));
                for (String sample : java.util.List.of("promshard_sidecar_registered 1", "promshard_zookeeper_connected 1",
                        "promshard_sidecar_applied_epoch 0", "promshard_sidecar_file_write_errors_total 0",
                        "promshard_sidecar_prometheus_up 1", "promshard_sidecar_targets{kind=\"owned\"} 0",
                        "promshard_sidecar_apply_duration_seconds_count 0")) {
                    assertTrue(metrics.body().contains(sample), sample + " in\n" + metrics.body());
                }
                for (String name : io.promshard.client.testing.Promtool.metricsInOpsKit()) {
                    if (name.startsWith("promshard_sidecar_")) { // the coordinator's: OperatorApiTest
                        assertTrue(metrics.body().contains("\n# TYPE " + name + " "),
                                "the alerting rules or the Grafana dashboard use " + name + ", not in\n" + metrics.body());
                    }
                }
                io.promshard.client.testing.Promtool.checkMetrics(metrics.body());
            } finally {
                app.after();
            }
            assertEquals(null, observer.checkExists().forPath(node), "a stopped sidecar must deregister");
        }
    }
}
