package io.promshard.client.api;

import java.util.Map;

/**
 * The inventory in force, {@code GET /api/v1/inventory}.
 *
 * @param targets targets in all jobs
 * @param jobs    targets per job
 * @param errors  sources refused now (file, URL or znode) with the reason; their last good content is in force
 */
public record InventorySummary(int targets, Map<String, Integer> jobs, Map<String, String> errors) {
}
