package io.promshard.client.api;

import java.util.List;

/**
 * The inventory compared with what workers acknowledged, {@code GET /api/v1/coverage}. A worker
 * counts for a target once it acknowledged the epoch of the share that holds it; a target held only
 * by workers that have not acknowledged yet is {@code pending}.
 *
 * @param epoch       epoch in force
 * @param replication the replication factor
 * @param targets     targets in the inventory
 * @param covered     targets acknowledged by exactly {@code replication} workers
 * @param under       targets acknowledged by fewer (a gap while nothing is pending)
 * @param over        targets acknowledged by more (a double; expected during a hand-off)
 * @param pending     of {@code under}, those whose missing owner has not acknowledged its share yet
 * @param handoffs    of {@code over}, those in a planned hand-off
 * @param underTargets some under-covered targets ({@code job/address}: acknowledged owners)
 * @param overTargets  some over-covered targets
 * @param jobs         the same counts per job, against each job's own replication
 */
public record Coverage(long epoch, int replication, int targets, int covered, int under, int over, int pending,
                       int handoffs, List<Entry> underTargets, List<Entry> overTargets, List<Job> jobs) {

    public Coverage {
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
    }

    /**
     * One job's coverage.
     *
     * @param job         the job
     * @param replication the owners each of its targets should have: a count, or {@code all} (every
     *                    eligible worker its pin allows)
     * @param targets     its targets in the inventory
     * @param covered     acknowledged by exactly as many workers as it should be
     * @param under       by fewer
     * @param over        by more
     */
    public record Job(String job, String replication, int targets, int covered, int under, int over) {
    }

    /** A target and the workers that acknowledged it. */
    public record Entry(String target, List<String> workers) {
    }
}
