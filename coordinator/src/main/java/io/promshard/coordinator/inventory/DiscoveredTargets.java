package io.promshard.coordinator.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.api.TargetGroup;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The targets a "discovery" Prometheus found for one of its jobs, read from its
 * {@code /api/v1/targets?state=any}: that Prometheus runs the operator's own scrape_configs (consul,
 * DNS, EC2, Kubernetes: any service discovery Prometheus has) with a last relabel rule that drops
 * everything, so it discovers and never scrapes. Each target's {@code discoveredLabels} (the labels
 * before relabelling, {@code __meta_*} included) become a group of its own; then the coordinator's
 * relabel rules for the job apply, as the scrapers' would have.
 *
 * <p>Of the discovered labels, the ones the discovery job's own configuration set are left out
 * ({@code job}, {@code __scheme__}, {@code __metrics_path__}, {@code __scrape_interval__},
 * {@code __scrape_timeout__}, {@code __param_*}): the workers' jobs set their own. What stays is
 * what the discovery found: {@code __address__}, {@code __meta_*} and plain labels.
 */
final class DiscoveredTargets {

    private DiscoveredTargets() {
    }

    /** The API path read from each discovery server. */
    static URI targetsUrl(URI server) {
        String base = server.toString().replaceAll("/+$", "");
        return URI.create(base + "/api/v1/targets?state=any");
    }

    /**
     * @param where names the source in an error
     * @param job   the discovery server's job whose targets are wanted
     */
    static List<TargetGroup> decode(String where, byte[] body, String job) throws InventoryException {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (IOException e) {
            throw new InventoryException(where + ": not a Prometheus API answer: " + e.getMessage(), e);
        }
        if (root == null || !"success".equals(root.path("status").asText())) {
            throw new InventoryException(where + ": the answer's status is not success: "
                    + FileSdParser.printable(String.valueOf(root == null ? "" : root.path("error").asText())));
        }
        JsonNode data = root.path("data");
        if (!data.path("activeTargets").isArray() || !data.path("droppedTargets").isArray()) {
            throw new InventoryException(where + ": no activeTargets and droppedTargets lists in the answer");
        }
        List<TargetGroup> groups = new ArrayList<>();
        for (String list : List.of("droppedTargets", "activeTargets")) {
            for (JsonNode target : data.path(list)) {
                Map<String, String> labels = labels(where, target.path("discoveredLabels"));
                if (!job.equals(labels.get("job"))) {
                    continue;
                }
                String address = labels.remove("__address__");
                labels.keySet().removeIf(name -> name.equals("job") || name.startsWith("__") && !name.startsWith("__meta_"));
                if (address != null && !address.isEmpty()) {
                    groups.add(TargetGroup.of(List.of(address), labels));
                }
            }
        }
        return List.copyOf(groups);
    }

    private static Map<String, String> labels(String where, JsonNode node) throws InventoryException {
        if (!node.isObject()) {
            throw new InventoryException(where + ": a target without discoveredLabels");
        }
        Map<String, String> labels = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new InventoryException(where + ": label " + FileSdParser.printable(e.getKey()) + " is not a string");
            }
            labels.put(e.getKey(), e.getValue().asText());
        }
        return labels;
    }
}
