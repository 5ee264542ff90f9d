package io.promshard.bench.race;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code promshard-benchmarks race-table FILE}: the Markdown table of a {@link Race}'s JSON, as
 * docs/comparison.md carries it (a test checks that the page holds exactly the table of the results
 * file beside it, so the page cannot claim what the run did not show).
 */
public final class RaceTable {

    private RaceTable() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length != 1) {
            err.println("usage: promshard-benchmarks race-table RACE_RESULTS.json");
            return 2;
        }
        out.print(markdown(Json.mapper().readTree(Files.readString(Path.of(args[0])))));
        return 0;
    }

    /** One row per contender and step. */
    public static String markdown(JsonNode race) {
        StringBuilder table = new StringBuilder("""
                | contender | step | targets moved (least possible) | longest gap between two samples | targets scraped twice in an interval | until every target is scraped by its final owner alone | targets without one final owner |
                | --- | --- | --- | --- | --- | --- | --- |
                """);
        for (JsonNode contender : race.path("contenders")) {
            for (JsonNode step : contender.path("steps")) {
                table.append(String.format(Locale.ROOT, "| %s | %s | %.1f%% (%.1f%%) | %.1f s | %d | %.1f s | %d |%n",
                        contender.path("contender").asText(), step.path("step").asText(),
                        100 * step.path("moved_fraction").asDouble(), 100 * step.path("minimum_fraction").asDouble(),
                        step.path("longest_gap_s").asDouble(), step.path("doubled_targets").asInt(),
                        step.path("settled_s").asDouble(), step.path("unsettled_targets").asInt()));
            }
        }
        return table.toString();
    }
}
