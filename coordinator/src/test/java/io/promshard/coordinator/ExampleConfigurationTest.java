package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.promshard.client.testing.ConfigReference;
import java.io.File;
import org.junit.jupiter.api.Test;

/** ops/coordinator.yml, the documented example, must stay a valid configuration. */
class ExampleConfigurationTest {

    @Test
    void opsCoordinatorYmlIsValid() throws Exception {
        // the factory the application uses: unknown fields are refused, as there
        CoordinatorConfiguration config = new DefaultConfigurationFactoryFactory<CoordinatorConfiguration>()
                .create(CoordinatorConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(new File("../ops/coordinator.yml"));
        assertEquals("default", config.getZookeeper().getCluster());
        assertEquals(2, config.getInventory().getJobs().size());
        assertEquals(1, config.getInventory().getJobs().get(1).getStaticGroups().size());
        assertEquals(1, config.getAssignment().engineSettings().replication());
        assertEquals("blackbox", config.getAssignment().getPins().get(0).getJob());
    }

    /**
     * ops/coordinator.yml is the configuration reference (docs/configuration.md): every option of the
     * configuration classes, as Jackson sees them, must be explained there (Dropwizard's own server and
     * logging sections excepted).
     */
    @Test
    void opsCoordinatorYmlNamesEveryOption() throws Exception {
        String yml = java.nio.file.Files.readString(java.nio.file.Path.of("../ops/coordinator.yml"));
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (Object defaults : new Object[] {new CoordinatorConfiguration(),
                new io.promshard.coordinator.inventory.JobConfig(), new io.promshard.coordinator.inventory.JobConfig.HttpSd(),
                new io.promshard.coordinator.core.PinRule()}) {
            for (String key : ConfigReference.unexplained(Jackson.newObjectMapper(), defaults, yml)) {
                missing.add(defaults.getClass().getSimpleName() + " " + key);
            }
        }
        assertEquals(java.util.List.of(), missing, "options not explained in ops/coordinator.yml");
    }
}
