package io.promshard.bench.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A small race against the packaged jars and Debian's Prometheus, vmagent and VictoriaMetrics, so
 * that the command keeps working: every contender runs every step over every target and prints every
 * figure. The figures themselves are recorded in docs/comparison.md from a full run, never asserted
 * here; and the page holds exactly the table of the results file it names.
 */
class RaceTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> FIGURES = List.of("step", "step_took_s", "targets", "moved_fraction",
            "minimum_fraction", "longest_gap_s", "doubled_targets", "settled_s", "unsettled_targets");

    @Test
    void aSmallRacePrintsEveryFigureOfEveryStep() throws Exception {
        assertTrue(Files.exists(ROOT.resolve("coordinator/target/promshard-coordinator.jar")),
                "the jars are built before the benchmarks in the reactor (mvn verify)");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Race.run(new String[] {"--exporters", "20", "--scrape-seconds", "2", "--observe-intervals", "4",
                "--root", ROOT.toString()}, new PrintStream(out, true), System.err);
        assertEquals(0, code);
        JsonNode race = Json.mapper().readTree(out.toString(StandardCharsets.UTF_8));
        System.out.println("race smoke: " + race);
        System.out.print(RaceTable.markdown(race));
        assertEquals(List.of("hashmod", "vmagent-cluster", "promshard-prometheus", "promshard-vmagent"),
                race.path("contenders").findValuesAsText("contender"));
        for (JsonNode contender : race.path("contenders")) {
            int steps = contender.path("contender").asText().startsWith("promshard") ? 4 : 2;
            assertEquals(steps, contender.path("steps").size(), contender.toString());
            for (JsonNode step : contender.path("steps")) {
                for (String figure : FIGURES) {
                    assertTrue(step.has(figure), contender.path("contender") + ": no " + figure + " in " + step);
                }
                assertEquals(20, step.path("targets").asInt(), step.toString());
            }
        }
    }

    @Test
    void theComparisonPageHoldsTheTableOfItsResultsFile() throws Exception {
        String page = Files.readString(ROOT.resolve("docs/comparison.md"));
        JsonNode results = Json.mapper().readTree(Files.readString(ROOT.resolve("docs/race-results.json")));
        assertTrue(page.contains(RaceTable.markdown(results)),
                "docs/comparison.md does not hold the table of docs/race-results.json; regenerate it with "
                        + "promshard-benchmarks race-table docs/race-results.json");
    }
}
