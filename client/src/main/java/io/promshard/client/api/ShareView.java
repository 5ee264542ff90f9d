package io.promshard.client.api;

import java.util.List;
import java.util.Map;

/**
 * A worker's published assignment, {@code GET /api/v1/assignments/{worker}}.
 *
 * @param worker      worker id
 * @param epoch       epoch it was published at
 * @param targetCount targets it owns
 * @param jobs        owned targets per job, file_sd groups
 * @param handoff     targets it scrapes only until their new owner confirms them
 */
public record ShareView(String worker, long epoch, int targetCount, Map<String, List<TargetGroup>> jobs,
                             Map<String, List<TargetGroup>> handoff) {

    public ShareView {
        jobs = jobs == null ? Map.of() : jobs;
        handoff = handoff == null ? Map.of() : handoff;
    }
}
