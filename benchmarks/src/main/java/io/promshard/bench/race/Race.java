package io.promshard.bench.race;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.testing.Exporters;
import io.promshard.client.testing.Processes;
import io.promshard.client.testing.VictoriaMetrics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code promshard-benchmarks race}: the ways of sharding scrape targets, one after another on the
 * same loopback exporters, every scraper writing into one VictoriaMetrics so that the samples are the
 * evidence ({@link StepFigures}): the hashmod recipe on Prometheus servers, vmagent's cluster mode,
 * promshard with Prometheus workers and promshard with vmagent workers, each from four scrapers to
 * five and back (promshard also through a drain and a kill -9). Prints one JSON object; {@code
 * race-table FILE} turns it into the table of docs/comparison.md ({@link RaceTable}).
 */
public final class Race {

    private static final List<String> CONTENDERS = List.of("hashmod", "vmagent-cluster", "promshard-prometheus",
            "promshard-vmagent");

    private final Map<String, String> opts;
    private final PrintStream err;

    private Race(Map<String, String> opts, PrintStream err) {
        this.opts = opts;
        this.err = err;
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Map<String, String> opts = new HashMap<>(Map.of("exporters", "200", "scrape-seconds", "5",
                "observe-intervals", "6", "contenders", String.join(",", CONTENDERS), "root", ".", "seed", "1"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--") || !opts.containsKey(args[i].substring(2))) {
                err.println("race: unknown option " + args[i] + "; options: " + opts.keySet());
                return 2;
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        for (String contender : opts.get("contenders").split(",")) {
            if (!CONTENDERS.contains(contender)) {
                err.println("race: no contender " + contender + "; contenders: " + CONTENDERS);
                return 2;
            }
        }
        out.println(Json.mapper().writeValueAsString(new Race(opts, err).race()));
        return 0;
    }

    private int opt(String name) {
        return Integer.parseInt(opts.get(name));
    }

    /** The exporters and the storage started, then each contender's run, as one JSON object. */
    private Map<String, Object> race() throws Exception {
        Path root = Path.of(opts.get("root")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("promshard-race");
        int scrapeSeconds = opt("scrape-seconds");
        Random random = new Random(Long.parseLong(opts.get("seed")));
        List<Integer> series = new ArrayList<>();
        for (int i = 0; i < opt("exporters"); i++) {
            series.add(5 + random.nextInt(36));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exporters", series.size());
        result.put("scrape_interval_s", scrapeSeconds);
        result.put("observe_intervals", opt("observe-intervals"));
        result.put("seed", Long.parseLong(opts.get("seed")));
        List<Object> contenders = new ArrayList<>();
        try (Processes processes = new Processes(dir, Duration.ofSeconds(20));
             Exporters exporters = new Exporters(series)) {
            VictoriaMetrics storage = VictoriaMetrics.start(processes, root, dir, scrapeSeconds);
            RaceRun run = new RaceRun(root, dir, processes, exporters, storage, scrapeSeconds);
            for (String name : opts.get("contenders").split(",")) {
                contenders.add(race(contender(name, run), run));
            }
        }
        result.put("contenders", contenders);
        return result;
    }

    private static Contender contender(String name, RaceRun run) {
        return switch (name) {
            case "hashmod" -> new HashmodContender(run);
            case "vmagent-cluster" -> new VmagentClusterContender(run);
            case "promshard-prometheus" -> new PromshardContender(run, PromshardContender.Scraper.PROMETHEUS);
            default -> new PromshardContender(run, PromshardContender.Scraper.VMAGENT);
        };
    }

    /** One contender: started, every target scraped, then each step carried out, observed and measured. */
    private Map<String, Object> race(Contender contender, RaceRun run) throws Exception {
        long interval = run.scrapeSeconds * 1000L;
        List<Object> steps = new ArrayList<>();
        try (contender) {
            err.println("race: " + contender.name() + " starting");
            contender.start();
            awaitEveryTarget(contender.name(), run);
            Thread.sleep(3 * interval); // the owners before the first step: several scrapes of each
            for (Contender.Step step : contender.steps()) {
                err.println("race: " + contender.name() + ": " + step.name());
                long start = System.currentTimeMillis();
                contender.run(step);
                long done = System.currentTimeMillis();
                Thread.sleep(opt("observe-intervals") * interval); // the window the figures are read over
                long end = System.currentTimeMillis();
                Thread.sleep(2 * interval); // the storage has taken the window's last samples
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("step", step.name());
                figures.put("step_took_s", (done - start) / 1000.0);
                figures.putAll(StepFigures.of(samples(contender.name(), run, start - 3 * interval, end), start, end,
                        interval, step.leaving(), step.scrapersAfter()));
                steps.add(figures);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("contender", contender.name());
        out.put("steps", steps);
        return out;
    }

    private void awaitEveryTarget(String setup, RaceRun run) throws InterruptedException {
        long deadline = System.nanoTime() + RaceRun.WAIT.toNanos();
        String query = "count(count by (instance) (up{setup=\"" + setup + "\"}))";
        while (run.storage.value(query) != run.exporters.all.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(setup + ": not every target in the storage after " + RaceRun.WAIT
                        + " (" + run.storage.value(query) + " of " + run.exporters.all.size() + ")");
            }
            Thread.sleep(500); // polling the storage
        }
    }

    /** Every {@code up} sample of {@code setup} in [from, to], per target, with the scraper that wrote it. */
    private static Map<String, List<StepFigures.Sample>> samples(String setup, RaceRun run, long from, long to) {
        Map<String, List<StepFigures.Sample>> byTarget = new HashMap<>();
        run.exporters.all.forEach(e -> byTarget.put(e.address, new ArrayList<>()));
        for (JsonNode series : run.storage.export("up{setup=\"" + setup + "\"}", from, to)) {
            List<StepFigures.Sample> samples = byTarget.get(series.path("metric").path("instance").asText());
            if (samples != null) {
                String scraper = series.path("metric").path("scraper").asText();
                JsonNode times = series.path("timestamps");
                JsonNode values = series.path("values");
                for (int i = 0; i < times.size(); i++) {
                    // a staleness marker (NaN, or null) is the end of a scraper's series, not a scrape
                    if (values.path(i).isNumber() && !Double.isNaN(values.path(i).asDouble())) {
                        samples.add(new StepFigures.Sample(times.get(i).asLong(), scraper));
                    }
                }
            }
        }
        return byTarget;
    }
}
