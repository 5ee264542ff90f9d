package io.promshard.coordinator.relabel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.PrometheusServer;
import io.promshard.client.testing.Seeds;
import io.promshard.coordinator.inventory.FileSdParser;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.JobConfig;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential: several hundred generated targets in a file_sd file and seeded random relabel rules
 * of every action, in several jobs, given to a real Prometheus (its {@code /api/v1/targets}) and to
 * the coordinator's inventory (the same file through {@link InventoryService} with the same rules):
 * every job's scrapes (labels and scrape URL) must be the same set, and the targets Prometheus drops
 * are the ones promshard leaves out. (One thing cannot carry over, and the rules here do not do it:
 * a rule that removes the {@code job} label, since the worker's Prometheus sets it again.)
 */
class RelabelConformanceTest {

    private static final int GROUPS = 40;
    private static final int PER_GROUP = 10;

    @TempDir
    Path tmp;

    @Test
    void relabelledTargetsAreWhatPrometheusMakesOfThem() throws Exception {
        long seed = Seeds.seed("relabelledTargetsAreWhatPrometheusMakesOfThem");
        Random random = new Random(seed);
        Path file = Files.createDirectories(tmp.resolve("sd")).resolve("targets.json");
        Files.writeString(file, Json.mapper().writeValueAsString(corpus(random)));
        Map<String, List<RelabelConfig>> jobs = jobs(random);
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, prometheusConfig(file, jobs));

        Map<String, Set<String>> ours = ours(file, jobs);
        try (PrometheusServer prometheus = PrometheusServer.start(config, Files.createDirectories(tmp.resolve("prom")))) {
            int discovered = GROUPS * PER_GROUP * jobs.size();
            Poll.until("Prometheus to discover " + discovered + " targets", Duration.ofSeconds(60),
                    Duration.ofMillis(250), () -> total(prometheus) == discovered);
            Map<String, Set<String>> theirs = theirs(prometheus);
            List<String> differences = new ArrayList<>();
            for (String job : jobs.keySet()) {
                Set<String> onlyOurs = new TreeSet<>(ours.getOrDefault(job, Set.of()));
                onlyOurs.removeAll(theirs.getOrDefault(job, Set.of()));
                Set<String> onlyTheirs = new TreeSet<>(theirs.getOrDefault(job, Set.of()));
                onlyTheirs.removeAll(ours.getOrDefault(job, Set.of()));
                if (!onlyOurs.isEmpty() || !onlyTheirs.isEmpty()) {
                    differences.add("job " + job + " rules " + jobs.get(job) + "\n  only promshard: " + first(onlyOurs)
                            + "\n  only Prometheus: " + first(onlyTheirs));
                }
            }
            int kept = ours.values().stream().mapToInt(Set::size).sum();
            System.out.println("relabel corpus seed " + seed + ": " + discovered + " targets in " + jobs.size()
                    + " jobs, " + kept + " scraped by both");
            assertTrue(differences.isEmpty(), "seed " + seed + ":\n" + String.join("\n", differences));
            assertTrue(kept > discovered / 5 && kept < discovered, "rules both keep and drop: " + kept + " of " + discovered);
        }
    }

    /** The targets: addresses with ports, labels from a small vocabulary, meta labels as a discovery gives. */
    private static List<TargetGroup> corpus(Random random) {
        String[] envs = {"prod", "dev", "Stage", "test"};
        String[] dcs = {"eu1", "us2", "ap3", "EU4"};
        String[] teams = {"db", "web", "infra", ""};
        List<TargetGroup> groups = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) {
            Map<String, String> labels = new TreeMap<>();
            labels.put("env", envs[random.nextInt(envs.length)]);
            labels.put("dc", dcs[random.nextInt(dcs.length)]);
            String team = teams[random.nextInt(teams.length)];
            if (!team.isEmpty()) {
                labels.put("team", team);
            }
            String rack = "r" + random.nextInt(5);
            labels.put("__meta_rack", rack);
            labels.put("shadow", random.nextBoolean() ? rack : "r9");
            labels.put("__meta_tags", List.of("alpha,beta", "beta,gamma", "gamma").get(random.nextInt(3)));
            if (random.nextInt(4) == 0) {
                labels.put("__param_module", random.nextBoolean() ? "http_2xx" : "tcp_connect");
            }
            List<String> targets = new ArrayList<>();
            for (int t = 0; t < PER_GROUP; t++) {
                targets.add(g % 3 == 0 ? "node-" + g + "-" + t + ".example.org:" + (9100 + t)
                        : "10.1." + g + "." + t + ":" + (8000 + random.nextInt(100)));
            }
            groups.add(TargetGroup.of(targets, labels));
        }
        return groups;
    }

    /** A rule; null fields take Prometheus's defaults. */
    private static RelabelConfig rule(List<String> sources, String regex, String target, String replacement,
                                      String action) {
        return new RelabelConfig(sources, null, target, regex, 0, replacement, action);
    }

    /** Rule templates of every action, drawn at random (two to five per job), and a blackbox-style job. */
    private static Map<String, List<RelabelConfig>> jobs(Random random) {
        List<java.util.function.Supplier<List<RelabelConfig>>> templates = List.of(
                () -> List.of(rule(List.of("dc"), "(eu|us|ap)(\\d)", "region", "$1", null)),
                () -> List.of(rule(List.of("__meta_rack", "env"), "r(\\d);(.*)", "rack_env", "${2}-${1}", "replace")),
                () -> List.of(rule(List.of("env"), "prod|dev", null, null, "keep")),
                () -> List.of(rule(List.of("team"), "db", null, null, "drop")),
                () -> List.of(new RelabelConfig(List.of("__address__"), null, "__tmp_hash", null, 3 + random.nextInt(4), null,
                        "hashmod"), rule(List.of("__tmp_hash"), "0|1", null, null, "keep")),
                () -> List.of(rule(null, "__meta_(.+)", null, "meta_$1", "labelmap")),
                () -> List.of(rule(null, "team|shadow", null, null, "labeldrop")),
                // a rule that removes job cannot be given to a worker: its Prometheus sets job again
                () -> List.of(rule(null, "__.*|job|env|dc|shadow", null, null, "labelkeep")),
                () -> List.of(rule(List.of("env"), null, "env_lower", null, "lowercase"),
                        rule(List.of("dc"), null, "DC", null, "uppercase")),
                () -> List.of(rule(List.of("__meta_rack"), null, "shadow", null, random.nextBoolean() ? "keepequal" : "dropequal")),
                () -> List.of(rule(List.of("__address__"), "(.*):\\d+", "__address__", "${1}:9999", "replace")),
                () -> List.of(rule(List.of("__meta_tags"), "(\\w+),.*", "tag_${1}", "yes", "replace")),
                () -> List.of(rule(List.of("env"), null, "__param_env", "$1", "replace")),
                () -> List.of(rule(List.of("team"), "web", "__metrics_path__", "/web/metrics", "replace")),
                () -> List.of(rule(List.of("env", "dc"), "([a-z]+);(.*)", "job", "custom-$1", "replace")));
        Map<String, List<RelabelConfig>> jobs = new LinkedHashMap<>();
        for (int j = 0; j < 8; j++) {
            List<RelabelConfig> rules = new ArrayList<>();
            int n = 2 + random.nextInt(4);
            for (int r = 0; r < n; r++) {
                rules.addAll(templates.get(random.nextInt(templates.size())).get());
            }
            jobs.put("random-" + j, rules);
        }
        jobs.put("blackbox", List.of(
                rule(List.of("__address__"), null, "__param_target", null, null),
                rule(List.of("__param_target"), null, "instance", null, null),
                rule(null, null, "__address__", "blackbox.example.org:9115", null),
                rule(null, null, "__metrics_path__", "/probe", null)));
        return jobs;
    }

    private static String prometheusConfig(Path file, Map<String, List<RelabelConfig>> jobs) {
        StringBuilder yaml = new StringBuilder("global:\n  scrape_interval: 1h\nscrape_configs:\n");
        jobs.forEach((job, rules) -> {
            yaml.append("  - job_name: ").append(job).append("\n    file_sd_configs:\n      - files: ['")
                    .append(file).append("']\n    relabel_configs:\n");
            for (RelabelConfig r : rules) {
                yaml.append("      - action: ").append(r.action()).append('\n');
                if (r.sourceLabels() != null) {
                    yaml.append("        source_labels: [").append(String.join(", ", r.sourceLabels())).append("]\n");
                }
                field(yaml, "target_label", r.targetLabel(), "");
                field(yaml, "regex", r.regex(), RelabelConfig.DEFAULT_REGEX);
                field(yaml, "replacement", r.replacement(), RelabelConfig.DEFAULT_REPLACEMENT);
                if (r.modulus() != 0) {
                    yaml.append("        modulus: ").append(r.modulus()).append('\n');
                }
            }
        });
        return yaml.toString();
    }

    private static void field(StringBuilder yaml, String name, String value, String unset) {
        if (!value.equals(unset)) {
            yaml.append("        ").append(name).append(": '").append(value.replace("'", "''")).append("'\n");
        }
    }

    /** Each job's scrapes as the coordinator's inventory gives them to the workers. */
    private Map<String, Set<String>> ours(Path file, Map<String, List<RelabelConfig>> jobs) {
        List<JobConfig> configs = new ArrayList<>();
        jobs.forEach((job, rules) -> {
            JobConfig c = new JobConfig(job, List.of(file.toString()), List.of());
            c.setRelabelConfigs(rules);
            configs.add(c);
        });
        InventoryService service = new InventoryService(configs, Duration.ofHours(1), new FileSdParser(1 << 20));
        service.start();
        try {
            Map<String, Set<String>> out = new TreeMap<>();
            service.current().jobs().forEach((job, groups) -> {
                Set<String> scrapes = new TreeSet<>();
                for (TargetGroup g : groups) {
                    for (String address : g.targets()) {
                        scrapes.add(scrape(job, address, g.labels()));
                    }
                }
                out.put(job, scrapes);
            });
            return out;
        } finally {
            service.stop();
        }
    }

    /** A worker's scrape of a target: its labels as Prometheus will show them, and its URL. */
    private static String scrape(String job, String address, Map<String, String> labels) {
        SortedMap<String, String> shown = new TreeMap<>();
        SortedMap<String, String> params = new TreeMap<>();
        labels.forEach((name, value) -> {
            if (name.startsWith("__param_")) {
                params.put(name.substring(8), value);
            } else if (!name.startsWith("__")) {
                shown.put(name, value);
            }
        });
        shown.putIfAbsent("job", job);
        shown.putIfAbsent("instance", address);
        return shown + " " + labels.getOrDefault("__scheme__", "http") + "://" + address
                + labels.getOrDefault("__metrics_path__", "/metrics") + " " + params;
    }

    private static int total(PrometheusServer prometheus) {
        try {
            JsonNode data = prometheus.get("/api/v1/targets?state=any").path("data");
            return data.path("activeTargets").size() + data.path("droppedTargets").size();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<String, Set<String>> theirs(PrometheusServer prometheus) throws Exception {
        Map<String, Set<String>> out = new TreeMap<>();
        for (JsonNode t : prometheus.get("/api/v1/targets?state=active").path("data").path("activeTargets")) {
            SortedMap<String, String> labels = new TreeMap<>();
            t.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            URI url = URI.create(t.path("scrapeUrl").asText());
            SortedMap<String, String> params = new TreeMap<>();
            if (url.getRawQuery() != null) {
                for (String pair : url.getRawQuery().split("&")) {
                    String[] kv = pair.split("=", 2);
                    params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                            kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
                }
            }
            String job = t.path("scrapePool").asText();
            out.computeIfAbsent(job, j -> new TreeSet<>()).add(labels + " " + url.getScheme() + "://"
                    + url.getRawAuthority() + url.getRawPath() + " " + params);
        }
        return out;
    }

    private static String first(Set<String> scrapes) {
        return scrapes.isEmpty() ? "none" : scrapes.size() + ", first " + scrapes.iterator().next();
    }
}
