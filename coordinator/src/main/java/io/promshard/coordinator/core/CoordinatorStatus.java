package io.promshard.coordinator.core;

import java.util.List;

/**
 * What {@code GET /api/v1/status} answers.
 *
 * @param coordinator   this instance's id
 * @param isLeader      whether this instance is the leader now
 * @param leader        the leader's id, empty when there is none
 * @param epoch         the epoch in force (from the {@code state} znode)
 * @param workers       live workers
 * @param targets       targets in the inventory
 * @param unassigned    targets with no owner (no live worker)
 * @param lastRebalance the last rebalance this instance published, or null
 * @param heldWorkers   workers whose session was lost within the reassignment delay: their targets wait
 * @param handoffs      moved targets still scraped by their previous owner until the new one confirms
 * @param deferredMoves planned placements waiting for the movement budget
 */
public record CoordinatorStatus(String coordinator, boolean isLeader, String leader, long epoch, int workers,
                                int targets, int unassigned, RebalanceEvent lastRebalance, List<String> heldWorkers,
                                int handoffs, long deferredMoves) {

    public CoordinatorStatus {
        heldWorkers = List.copyOf(heldWorkers);
    }
}
