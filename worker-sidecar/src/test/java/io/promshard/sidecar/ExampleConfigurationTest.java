package io.promshard.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.promshard.client.testing.ConfigReference;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ops/sidecar.yml, the documented example, must stay a valid configuration. */
class ExampleConfigurationTest {

    @Test
    void opsSidecarYmlIsValid() throws Exception {
        // the factory the application uses: unknown fields are refused, as there
        SidecarConfiguration config = new DefaultConfigurationFactoryFactory<SidecarConfiguration>()
                .create(SidecarConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(new File("../ops/sidecar.yml"));
        assertEquals("prom-1", config.workerInfo().id());
        assertEquals("127.0.0.1:9090", config.workerInfo().prometheusAddress());
    }

    /** A scraper kind that is not one of the four is refused when the configuration is read, naming the field. */
    @Test
    void anUnknownScraperKindIsRefused(@TempDir Path dir) throws Exception {
        Path yml = dir.resolve("sidecar.yml");
        Files.writeString(yml, Files.readString(Path.of("../ops/sidecar.yml")).replace("kind: auto", "kind: mimir"));
        ConfigurationValidationException refused = assertThrows(ConfigurationValidationException.class, () ->
                new DefaultConfigurationFactoryFactory<SidecarConfiguration>()
                        .create(SidecarConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                        .build(yml.toFile()));
        assertTrue(refused.getMessage().contains("prometheus.kind must be auto, prometheus, agent or vmagent"),
                refused.getMessage());
    }

    /** ops/sidecar.yml is the configuration reference: every option of the class must be explained there. */
    @Test
    void opsSidecarYmlNamesEveryOption() throws Exception {
        String yml = Files.readString(Path.of("../ops/sidecar.yml"));
        assertEquals(java.util.List.of(), ConfigReference.unexplained(Jackson.newObjectMapper(),
                new SidecarConfiguration(), yml), "options not explained in ops/sidecar.yml");
    }
}
