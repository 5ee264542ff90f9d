package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.testing.Promtool;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential: every file of the corpus ({@code src/test/resources/filesd-corpus}: Prometheus's
 * own discovery/file fixtures, the strings of its file and targetgroup tests, what users write and
 * every refusal the parsers have) is read by the real {@code promtool check service-discovery} of
 * Debian's prometheus package and by promshard's parser, and both must give the same verdict
 * (accepted, or refused whole) and the same targets with the same labels.
 *
 * <p>One promtool run reads the whole corpus: one job whose file_sd globs the corpus directory and
 * whose relabel rules copy the file, the {@code __meta_*} labels and the address into plain labels
 * and then point {@code __address__} at a placeholder, so that every discovered target (a URL, a
 * host without a port) survives to the output and can be traced to its file. A file Prometheus
 * refuses is named by its "Error reading file" log line. Labels Prometheus adds itself (job,
 * instance, scheme, path, interval and timeout where they hold the defaults) and labels with empty
 * values (absent in Prometheus) are left out of the comparison; targets compare as sets, since
 * Prometheus scrapes two targets with the same labels once.
 */
class FileSdConformanceTest {

    private static final String JOB = "corpus";
    private static final Map<String, String> DEFAULTS = Map.of("job", JOB, "__scheme__", "http",
            "__metrics_path__", "/metrics", "__scrape_interval__", "1m", "__scrape_timeout__", "10s");
    private static final String PLACEHOLDER = "placeholder:1";
    private static final Pattern REFUSED = Pattern.compile("msg=\"Error reading file\" path=(\\S+) err=(.*)");

    @TempDir
    Path tmp;

    @Test
    void everyCorpusFileReadsAsPrometheusReadsIt() throws Exception {
        Path corpus = copyCorpus();
        Prometheus prometheus = runPromtool(corpus);
        FileSdParser parser = new FileSdParser(1 << 20);
        List<String> differences = new ArrayList<>();
        int accepted = 0;
        for (Path file : corpusFiles(corpus)) {
            String name = file.getFileName().toString();
            List<SortedMap<String, String>> ours;
            try {
                ours = targets(parser.parse(file));
            } catch (InventoryException e) {
                if (!prometheus.refused().containsKey(file.toString())) {
                    differences.add(name + ": promshard refuses it (" + e.getMessage() + "), Prometheus reads "
                            + prometheus.targets(file));
                }
                continue;
            }
            accepted++;
            if (prometheus.refused().containsKey(file.toString())) {
                differences.add(name + ": Prometheus refuses it (" + prometheus.refused().get(file.toString())
                        + "), promshard reads " + ours);
            } else if (!ours.equals(prometheus.targets(file))) {
                differences.add(name + ": promshard reads " + ours + ", Prometheus " + prometheus.targets(file));
            }
        }
        System.out.println("file_sd corpus: " + corpusFiles(corpus).size() + " files, " + accepted + " accepted by both");
        assertTrue(differences.isEmpty(), String.join("\n", differences));
        assertTrue(corpusFiles(corpus).size() >= 40, "the corpus has at least 40 files");
        assertTrue(accepted >= 15 && prometheus.refused().size() >= 15, "both verdicts are exercised");
    }

    /** What promtool discovered: targets (their discovered labels, normalized) by file, refusals by file. */
    private record Prometheus(Map<String, List<SortedMap<String, String>>> byFile, Map<String, String> refused) {
        List<SortedMap<String, String>> targets(Path file) {
            return byFile.getOrDefault(file.toString(), List.of());
        }
    }

    private Prometheus runPromtool(Path corpus) throws Exception {
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, """
                scrape_configs:
                  - job_name: %s
                    file_sd_configs:
                      - files: ['%s/*.json', '%s/*.yml', '%s/*.yaml']
                    relabel_configs:
                      - source_labels: [__meta_filepath]
                        target_label: corpus_file
                      - regex: __meta_(.+)
                        action: labelmap
                        replacement: corpus_meta_$1
                      - source_labels: [__address__]
                        target_label: corpus_address
                      - target_label: __address__
                        replacement: %s
                """.formatted(JOB, corpus, corpus, corpus, PLACEHOLDER));
        Path out = tmp.resolve("promtool.out");
        Path err = tmp.resolve("promtool.err");
        Process process = new ProcessBuilder(Promtool.binary(), "check", "service-discovery", "--timeout=3s",
                config.toString(), JOB).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, process.exitValue(), "promtool: " + Files.readString(err));
        Map<String, List<SortedMap<String, String>>> byFile = new TreeMap<>();
        for (JsonNode target : Json.mapper().readTree(out.toFile())) {
            SortedMap<String, String> labels = new TreeMap<>();
            target.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            String file = labels.remove("corpus_file");
            assertTrue(file != null, "every target names its file: " + target);
            SortedMap<String, String> discovered = asDiscovered(labels);
            if (discovered.containsKey("__address__")) {
                byFile.computeIfAbsent(file, f -> new ArrayList<>()).add(discovered);
            }
        }
        byFile.replaceAll((file, list) -> distinct(list));
        Map<String, String> refused = new TreeMap<>();
        for (String line : Files.readAllLines(err)) {
            Matcher m = REFUSED.matcher(line);
            if (m.find()) {
                refused.put(m.group(1), m.group(2));
            }
        }
        return new Prometheus(byFile, refused);
    }

    /** A target's relabelled labels back as discovered: the copied address and meta labels in place. */
    private static SortedMap<String, String> asDiscovered(SortedMap<String, String> labels) {
        SortedMap<String, String> out = new TreeMap<>();
        labels.forEach((name, value) -> {
            if (name.equals("corpus_address")) {
                out.put("__address__", value);
            } else if (name.startsWith("corpus_meta_")) {
                out.put("__meta_" + name.substring("corpus_meta_".length()), value);
            } else if (!name.equals("__address__") && !(name.equals("instance") && value.equals(PLACEHOLDER))) {
                out.put(name, value);
            }
        });
        out.remove("__meta_filepath");
        return normalize(out);
    }

    private static List<SortedMap<String, String>> distinct(List<SortedMap<String, String>> targets) {
        Set<String> seen = new TreeSet<>();
        List<SortedMap<String, String>> out = new ArrayList<>();
        for (SortedMap<String, String> t : targets) {
            if (seen.add(t.toString())) {
                out.add(t);
            }
        }
        out.sort(FileSdConformanceTest::compare);
        return out;
    }

    /** Each target of the groups as Prometheus discovers it: the group's labels and its address. */
    private static List<SortedMap<String, String>> targets(List<TargetGroup> groups) {
        List<SortedMap<String, String>> out = new ArrayList<>();
        for (TargetGroup g : groups) {
            for (String address : g.targets()) {
                SortedMap<String, String> labels = new TreeMap<>(g.labels());
                labels.remove("__meta_filepath");
                labels.put("__address__", address);
                SortedMap<String, String> normalized = normalize(labels);
                if (normalized.containsKey("__address__")) {
                    out.add(normalized);
                }
            }
        }
        return distinct(out);
    }

    private static SortedMap<String, String> normalize(SortedMap<String, String> labels) {
        SortedMap<String, String> out = new TreeMap<>();
        labels.forEach((name, value) -> {
            if (!value.isEmpty() && !value.equals(DEFAULTS.get(name))) {
                out.put(name, value);
            }
        });
        return out;
    }

    private static int compare(SortedMap<String, String> a, SortedMap<String, String> b) {
        return a.toString().compareTo(b.toString());
    }

    private Path copyCorpus() throws IOException, URISyntaxException {
        Path source = Path.of(getClass().getResource("/filesd-corpus").toURI());
        Path corpus = Files.createDirectories(tmp.resolve("corpus"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, corpus.resolve(f.getFileName()));
            }
        }
        return corpus;
    }

    private static List<Path> corpusFiles(Path corpus) throws IOException {
        try (Stream<Path> files = Files.list(corpus)) {
            return files.sorted().toList();
        }
    }
}
