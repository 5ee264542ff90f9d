package io.promshard.coordinator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.configuration.ConfigurationFactory;
import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.promshard.client.Json;
import io.promshard.client.cli.PromshardCtl;
import io.promshard.client.testing.DocBlocks;
import io.promshard.client.testing.Promtool;
import io.promshard.coordinator.CoordinatorConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What README.md and docs/ show as configuration, queries and commands is valid for the real
 * tools: every {@code prometheus} block for Debian's {@code promtool check config}, every
 * {@code coordinator} block for the coordinator's own configuration (as its {@code check} command
 * reads it), every {@code promql} line for {@code promtool check rules}, the {@code ci} block is
 * what CI runs, and every {@code promshardctl <command>} the docs name is a command of the CLI.
 * (ops/docs-check.sh checks the tags and runs the shell blocks.)
 */
class DocumentationBlocksTest {

    @TempDir
    Path tmp;

    @Test
    void everyPrometheusBlockIsAValidConfiguration() throws Exception {
        List<DocBlocks.Block> blocks = DocBlocks.ofKind("prometheus");
        assertTrue(blocks.size() >= 5, "prometheus blocks found: " + blocks.size());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            DocBlocks.Block block = blocks.get(i);
            // a list of scrape_configs entries alone is shown as it sits under scrape_configs:
            boolean entriesOnly = block.text().lines().anyMatch(l -> l.matches("\\s+- job_name:.*"))
                    && block.text().lines().noneMatch(l -> l.startsWith("scrape_configs:"));
            Path config = tmp.resolve("prometheus-" + i + ".yml");
            Files.writeString(config, (entriesOnly ? "scrape_configs:\n" : "") + block.text());
            try {
                Promtool.checkConfigSyntax(config);
            } catch (AssertionError e) {
                failures.add(block.place() + ": not a valid Prometheus configuration: " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void everyCoordinatorBlockIsAValidConfiguration() throws Exception {
        List<DocBlocks.Block> blocks = DocBlocks.ofKind("coordinator");
        assertTrue(blocks.size() >= 3, "coordinator blocks found: " + blocks.size());
        // the factory the application's check command uses: unknown fields are refused, as there
        ConfigurationFactory<CoordinatorConfiguration> factory = new DefaultConfigurationFactoryFactory<
                CoordinatorConfiguration>().create(CoordinatorConfiguration.class, Validators.newValidator(),
                Jackson.newObjectMapper(), "dw");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            Path config = tmp.resolve("coordinator-" + i + ".yml");
            Files.writeString(config, blocks.get(i).text());
            try {
                factory.build(config.toFile());
            } catch (Exception e) {
                failures.add(blocks.get(i).place() + ": not a valid coordinator configuration: " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void everyQueryParses() throws Exception {
        List<DocBlocks.Block> blocks = DocBlocks.ofKind("promql");
        assertFalse(blocks.isEmpty(), "no promql blocks found");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            StringBuilder rules = new StringBuilder("groups:\n  - name: docs\n    rules:\n");
            int n = 0;
            for (String query : blocks.get(i).text().lines().filter(l -> !l.isBlank()).toList()) {
                rules.append("      - record: docs:query").append(++n).append('\n')
                        .append("        expr: ").append(Json.mapper().writeValueAsString(query)).append('\n');
            }
            Path file = tmp.resolve("promql-" + i + ".yml");
            Files.writeString(file, rules);
            try {
                Promtool.checkRules(file);
            } catch (AssertionError e) {
                failures.add(blocks.get(i).place() + ": a query does not parse: " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void theCiBlockIsWhatCiRuns() throws Exception {
        List<DocBlocks.Block> blocks = DocBlocks.ofKind("ci");
        assertEquals(1, blocks.size(), "one block shows the test command");
        assertEquals("ops/test.sh", blocks.get(0).text().strip(), blocks.get(0).place());
        assertTrue(Files.readString(DocBlocks.root().resolve(".ci/run")).contains("ops/test.sh"),
                ".ci/run does not run ops/test.sh");
    }

    @Test
    void everyPromshardctlCommandTheDocsNameExists() throws Exception {
        Set<String> commands = new CommandLine(PromshardCtl.class).getSubcommands().keySet();
        Set<String> named = new TreeSet<>();
        Pattern mention = Pattern.compile("promshardctl ([a-z]+)");
        for (Path file : DocBlocks.files()) {
            Matcher m = mention.matcher(Files.readString(file));
            while (m.find()) {
                named.add(m.group(1));
            }
        }
        assertTrue(named.size() >= 5, "promshardctl commands named: " + named);
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeAll(commands);
        assertEquals(Set.of(), unknown, "the docs name promshardctl commands the CLI does not have " + commands);
    }
}
