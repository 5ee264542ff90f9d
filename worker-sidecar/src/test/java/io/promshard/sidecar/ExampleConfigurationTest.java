package io.promshard.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.promshard.client.testing.ConfigReference;
import java.io.File;
import org.junit.jupiter.api.Test;

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

    /** ops/sidecar.yml is the configuration reference: every option of the class must be explained there. */
    @Test
    void opsSidecarYmlNamesEveryOption() throws Exception {
        String yml = java.nio.file.Files.readString(java.nio.file.Path.of("../ops/sidecar.yml"));
        assertEquals(java.util.List.of(), ConfigReference.unexplained(Jackson.newObjectMapper(),
                new SidecarConfiguration(), yml), "options not explained in ops/sidecar.yml");
    }
}
