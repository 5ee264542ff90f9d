package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.TargetGroup;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.PrometheusServer;
import io.promshard.coordinator.relabel.RelabelConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose targets come from a real "discovery" Prometheus: it runs a service discovery (here
 * file_sd, the one that needs no outside system; {@code DnsDiscoveryE2EIT} runs DNS SRV) and drops
 * every target; the coordinator reads what it discovered, skipping a server that does not answer,
 * applies the job's relabel rules to the discovered {@code __meta_*} labels, and keeps its last good
 * targets while no server answers.
 */
class DiscoverySourceTest {

    @TempDir
    Path tmp;

    @Test
    void theDiscoveredTargetsOfADiscoveryPrometheusBecomeTheJobsTargets() throws Exception {
        Path sd = Files.createDirectories(tmp.resolve("sd")).resolve("services.yml");
        Files.writeString(sd, """
                - targets: ['10.0.0.1:9100', '10.0.0.2:9100']
                  labels: {service: api, __meta_datacenter: eu1}
                - targets: ['10.0.0.3:9100']
                  labels: {service: db, __meta_datacenter: us2}
                """);
        Path config = tmp.resolve("discovery.yml");
        Files.writeString(config, """
                scrape_configs:
                  - job_name: services
                    scrape_interval: 1h
                    file_sd_configs: [{files: ['%s'], refresh_interval: 1s}]
                    relabel_configs:
                      - action: drop   # discover, never scrape
                """.formatted(sd));
        try (PrometheusServer discovery = PrometheusServer.start(config, Files.createDirectories(tmp.resolve("prom")))) {
            URI dead = URI.create("http://127.0.0.1:9/");
            HttpSdSource source = HttpSdSource.discovery("node", List.of(dead, discovery.url()), "services",
                    java.time.Duration.ofMillis(200), 1 << 20, java.time.Duration.ofSeconds(30),
                    java.time.Duration.ofSeconds(5), LastGoodStore.none());
            JobConfig job = new JobConfig("node", List.of(), List.of());
            job.setRelabelConfigs(List.of(new RelabelConfig(null, null, null, "__meta_(.+)", 0, "$1", "labelmap")));
            InventoryService inventory = new InventoryService(List.of(job), java.time.Duration.ofMillis(100),
                    new FileSdParser(1 << 20), List.of(source));
            inventory.start();
            try {
                Poll.until("the three discovered targets", java.time.Duration.ofSeconds(30),
                        () -> inventory.current().targetCount() == 3);
                Set<String> seen = new TreeSet<>();
                for (TargetGroup g : inventory.current().jobs().get("node")) {
                    g.targets().forEach(t -> seen.add(t + " " + g.labels()));
                }
                assertEquals(Set.of("10.0.0.1:9100 {datacenter=eu1, filepath=" + sd + ", service=api}",
                        "10.0.0.2:9100 {datacenter=eu1, filepath=" + sd + ", service=api}",
                        "10.0.0.3:9100 {datacenter=us2, filepath=" + sd + ", service=db}"), seen,
                        "the discovered labels, relabelled; the discovery job's own settings left out");

                Files.writeString(sd, "- targets: ['10.0.0.4:9100']\n  labels: {service: web}\n");
                Poll.until("a change discovered", java.time.Duration.ofSeconds(30),
                        () -> inventory.current().keys().equals(List.of("node\u000010.0.0.4:9100")));

                discovery.close();
                Poll.until("the refusal", java.time.Duration.ofSeconds(30), () -> source.refusals() > 0);
                inventory.refresh();
                assertEquals(1, inventory.current().targetCount(), "while no server answers, the last good targets stay");
                String error = source.errors().values().iterator().next();
                assertTrue(error.contains("no server answered") && error.contains("127.0.0.1:9"), error);
            } finally {
                inventory.stop();
            }
        }
    }
}
