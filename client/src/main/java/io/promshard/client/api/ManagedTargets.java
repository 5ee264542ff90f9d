package io.promshard.client.api;

import java.util.List;

/** A job's REST-managed targets, kept in ZooKeeper: {@code GET|POST|DELETE /api/v1/inventory/{job}}. */
public record ManagedTargets(String job, int targets, List<TargetGroup> groups) {

    public ManagedTargets {
        groups = groups == null ? List.of() : List.copyOf(groups);
    }
}
