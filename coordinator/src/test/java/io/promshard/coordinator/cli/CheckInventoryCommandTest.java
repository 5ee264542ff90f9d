package io.promshard.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import io.promshard.client.Json;
import io.promshard.coordinator.CoordinatorApplication;
import io.promshard.coordinator.CoordinatorConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check-inventory}: each file's groups or its refusal as JSON, and a failure when any is refused. */
class CheckInventoryCommandTest {

    @TempDir
    Path tmp;

    private record Run(Optional<Throwable> failure, JsonNode printed) {
    }

    private static Run run(String... args) throws Exception {
        CoordinatorApplication app = new CoordinatorApplication();
        Bootstrap<CoordinatorConfiguration> bootstrap = new Bootstrap<>(app);
        app.initialize(bootstrap);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        Optional<Throwable> failure;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            failure = new Cli(new JarLocation(CheckInventoryCommandTest.class), bootstrap,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                    .run(args);
        } finally {
            System.setOut(stdout);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        return new Run(failure, text.isBlank() ? null : Json.mapper().readTree(text));
    }

    @Test
    void printsTheGroupsOfGoodFilesAndTheRefusalOfBadOnes() throws Exception {
        Path good = tmp.resolve("blackbox.yml");
        Files.writeString(good, "- targets: [https://example.org, example.org]\n  labels: {module: http_2xx}\n");
        Run ok = run("check-inventory", good.toString());
        assertTrue(ok.failure().isEmpty(), String.valueOf(ok.failure()));
        assertEquals("https://example.org", ok.printed().get(0).path("groups").get(0).path("targets").get(0).asText());
        assertEquals("http_2xx", ok.printed().get(0).path("groups").get(0).path("labels").path("module").asText());

        Path bad = tmp.resolve("broken.json");
        Files.writeString(bad, "[{\"targets\": [\"a:1\"]}, null]");
        Run refused = run("check-inventory", good.toString(), bad.toString());
        assertTrue(refused.failure().isPresent(), "a refused file fails the command");
        assertTrue(refused.failure().get().getMessage().contains("1 of 2 files refused"), refused.failure().get().getMessage());
        String error = refused.printed().get(1).path("error").asText();
        assertTrue(error.startsWith(bad.toString()) && error.contains("entry 1 is null"), error);
    }

    @Test
    void checksEveryFileACoordinatorConfigurationGlobs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("node"));
        Files.writeString(dir.resolve("a.yml"), "- targets: [10.0.0.1:9100]\n");
        Files.writeString(dir.resolve("b.yml"), "- targets: [10.0.0.2:9100]\n  labels: {env: a, env: b}\n");
        Path config = tmp.resolve("coordinator.yml");
        Files.writeString(config, "inventory:\n  jobs:\n    - name: node\n      files: ['" + dir + "/*.yml']\n");
        Run result = run("check-inventory", "--config", config.toString());
        assertTrue(result.failure().isPresent());
        assertEquals(2, result.printed().size());
        assertTrue(result.printed().get(1).path("error").asText().contains("label env is set twice"),
                result.printed().toString());
    }

    @Test
    void aConfigurationWithAnUnknownFieldIsRefusedAsTheServerRefusesIt() throws Exception {
        Path config = tmp.resolve("coordinator.yml");
        Files.writeString(config, "inventori:\n  jobs: []\n");
        Run result = run("check-inventory", "--config", config.toString());
        assertTrue(result.failure().isPresent(), "an unknown field must not pass");
        assertTrue(String.valueOf(result.failure().get().getMessage()).contains("inventori"),
                String.valueOf(result.failure().get()));
    }
}
