package io.promshard.coordinator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.jackson.Jackson;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.PrometheusServer;
import io.promshard.coordinator.CoordinatorConfiguration;
import io.promshard.coordinator.inventory.FileSdParser;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.JobConfig;
import io.promshard.coordinator.relabel.RelabelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/migration.md's "A job with relabelling beyond the hashmod pair", walked through: the guide's
 * coordinator block (read from the guide itself) relabels a blackbox inventory of URLs, the file a
 * sidecar writes from it is read by the worker job of ops/prometheus/worker.yml, and a real
 * Prometheus makes of it exactly the scrapes it made before the move, when the same rules ran in
 * the scraper's job.
 */
class RelabelMigrationTest {

    @TempDir
    Path tmp;

    @Test
    void theGuidesRulesOnTheCoordinatorMakeTheScrapesTheScraperMadeBefore() throws Exception {
        ObjectMapper yaml = Jackson.newObjectMapper(new YAMLFactory());
        CoordinatorConfiguration guide = yaml.readValue(guideBlock(), CoordinatorConfiguration.class);
        JobConfig blackbox = guide.getInventory().getJobs().get(0);
        List<RelabelConfig> rules = blackbox.getRelabelConfigs();
        assertTrue(rules.size() >= 3, "the guide's block has the blackbox rules: " + rules);

        Path inventory = Files.createDirectories(tmp.resolve("inventory")).resolve("probes.yml");
        Files.writeString(inventory, """
                - targets: [https://example.org, https://status.example.com/health, example.net]
                  labels: {module: http_2xx, team: web}
                """);
        JobConfig job = new JobConfig("blackbox", List.of(inventory.toString()), List.of());
        job.setRelabelConfigs(rules);
        InventoryService service = new InventoryService(List.of(job), Duration.ofHours(1), new FileSdParser(1 << 20));
        service.start();
        Path sd = Files.createDirectories(tmp.resolve("sd"));
        try {
            new FileSdDirectory(sd).write("blackbox", service.current().jobs().get("blackbox"));
        } finally {
            service.stop();
        }

        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, prometheusConfig(yaml, sd.resolve("blackbox.json"), inventory, rules));
        try (PrometheusServer prometheus = PrometheusServer.start(config, Files.createDirectories(tmp.resolve("prom")))) {
            Map<String, Set<String>> scrapes = new TreeMap<>();
            Poll.until("both jobs' three probes", Duration.ofSeconds(60), Duration.ofMillis(250), () -> {
                scrapes.clear();
                try {
                    for (JsonNode t : prometheus.get("/api/v1/targets?state=active").path("data").path("activeTargets")) {
                        TreeMap<String, String> labels = new TreeMap<>();
                        t.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                        labels.remove("job");
                        scrapes.computeIfAbsent(t.path("scrapePool").asText(), p -> new TreeSet<>())
                                .add(labels + " " + t.path("scrapeUrl").asText());
                    }
                } catch (Exception e) {
                    return false;
                }
                return scrapes.getOrDefault("before", Set.of()).size() == 3 && scrapes.getOrDefault("after", Set.of()).size() == 3;
            });
            assertEquals(scrapes.get("before"), scrapes.get("after"), "the same probes, labels and URLs");
            assertTrue(scrapes.get("after").stream().anyMatch(s -> s.contains("/probe?module=http_2xx&target=https%3A%2F%2Fexample.org")),
                    scrapes.toString());
        }
    }

    /** The guide's coordinator block of the section on relabelling, as written. */
    private static String guideBlock() throws Exception {
        String guide = Files.readString(Path.of("../docs/migration.md"));
        int section = guide.indexOf("### A job with relabelling beyond the hashmod pair");
        assertTrue(section >= 0, "docs/migration.md lost its relabelling section");
        Matcher m = Pattern.compile("<!-- ci: coordinator -->\\n```yaml\\n(.*?)```", Pattern.DOTALL).matcher(guide);
        assertTrue(m.find(section), "no coordinator block in the relabelling section");
        return m.group(1);
    }

    /**
     * "after": ops/prometheus/worker.yml's blackbox job on the sidecar's file; "before": the same job
     * on the inventory itself with the rules in its relabel_configs, as a scraper ran it before.
     */
    private static String prometheusConfig(ObjectMapper yaml, Path sdFile, Path inventory, List<RelabelConfig> rules)
            throws Exception {
        JsonNode worker = yaml.readTree(Path.of("../ops/prometheus/worker.yml").toFile());
        JsonNode template = null;
        for (JsonNode j : worker.path("scrape_configs")) {
            if (j.path("job_name").asText().equals("blackbox")) {
                template = j;
            }
        }
        assertTrue(template != null, "ops/prometheus/worker.yml has a blackbox job");
        ObjectNode after = template.deepCopy();
        after.put("job_name", "after");
        after.putArray("file_sd_configs").addObject().putArray("files").add(sdFile.toString());
        ObjectNode before = template.deepCopy();
        before.put("job_name", "before");
        before.putArray("file_sd_configs").addObject().putArray("files").add(inventory.toString());
        ArrayNode relabel = before.putArray("relabel_configs");
        for (RelabelConfig r : rules) {
            ObjectNode rule = relabel.addObject().put("action", r.action());
            if (r.sourceLabels() != null) {
                r.sourceLabels().forEach(rule.withArray("source_labels")::add);
            }
            if (!r.targetLabel().isEmpty()) {
                rule.put("target_label", r.targetLabel());
            }
            rule.put("regex", r.regex()).put("replacement", r.replacement()).put("separator", r.separator());
        }
        ObjectNode config = yaml.createObjectNode();
        config.putObject("global").put("scrape_interval", "1h");
        config.putArray("scrape_configs").add(before).add(after);
        return yaml.writeValueAsString(config);
    }
}
