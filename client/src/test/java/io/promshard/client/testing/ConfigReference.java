package io.promshard.client.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a commented example configuration (ops/*.yml, the configuration reference) against a
 * configuration class: every option Jackson binds, as its defaults serialize, must be named there.
 */
public final class ConfigReference {

    /** Dropwizard's own sections, documented by Dropwizard. */
    private static final Set<String> DROPWIZARD = Set.of("server", "logging", "metrics", "admin", "health");

    private ConfigReference() {
    }

    /**
     * @param mapper   the mapper the application binds its configuration with
     * @param defaults a default instance of the configuration class (or of a list entry's class)
     * @param yml      the example's text
     * @return the dotted paths of the options the example never names (as {@code name:}, commented or not)
     */
    public static List<String> unexplained(ObjectMapper mapper, Object defaults, String yml) {
        List<String> missing = new ArrayList<>();
        collect(mapper.valueToTree(defaults), "", yml, missing);
        return missing;
    }

    private static void collect(JsonNode node, String prefix, String yml, List<String> missing) {
        node.fields().forEachRemaining(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (DROPWIZARD.contains(key)) {
                return;
            }
            if (e.getValue().isObject() && e.getValue().size() > 0) {
                collect(e.getValue(), key, yml, missing);
            } else if (!Pattern.compile("(?m)^[\\s#-]*" + Pattern.quote(e.getKey()) + ":").matcher(yml).find()) {
                missing.add(key);
            }
        });
    }
}
