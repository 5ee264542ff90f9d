package io.promshard.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.io.File;
import org.junit.jupiter.api.Test;

/** ops/sidecar.yml, the documented example, must stay a valid configuration. */
class ExampleConfigurationTest {

    @Test
    void opsSidecarYmlIsValid() throws Exception {
        SidecarConfiguration config = new YamlConfigurationFactory<>(SidecarConfiguration.class,
                Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(new File("../ops/sidecar.yml"));
        assertEquals("prom-1", config.workerInfo().id());
        assertEquals("127.0.0.1:9090", config.workerInfo().prometheusAddress());
    }

    /** ops/sidecar.yml is the configuration reference: every option of the class must be explained there. */
    @Test
    void opsSidecarYmlNamesEveryOption() throws Exception {
        String yml = java.nio.file.Files.readString(java.nio.file.Path.of("../ops/sidecar.yml"));
        java.util.List<String> missing = new java.util.ArrayList<>();
        collect(Jackson.newObjectMapper().valueToTree(new SidecarConfiguration()), "", yml, missing);
        assertEquals(java.util.List.of(), missing, "options not explained in ops/sidecar.yml");
    }

    private static void collect(com.fasterxml.jackson.databind.JsonNode node, String prefix, String yml,
                                java.util.List<String> missing) {
        node.fields().forEachRemaining(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (java.util.Set.of("server", "logging", "metrics", "admin", "health").contains(key)) {
                return; // Dropwizard's own sections
            }
            if (e.getValue().isObject() && e.getValue().size() > 0) {
                collect(e.getValue(), key, yml, missing);
            } else if (!java.util.regex.Pattern.compile("(?m)^[\\s#-]*" + e.getKey() + ":").matcher(yml).find()) {
                missing.add(key);
            }
        });
    }
}
