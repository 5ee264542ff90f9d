package io.promshard.client.api;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /api/v1/status} answers.
 *
 * @param coordinator   this instance's id
 * @param isLeader      whether this instance is the leader now
 * @param leader        the leader's id, empty when there is none
 * @param coordinators  every coordinator taking part in the election
 * @param epoch         the epoch in force (from the {@code state} znode)
 * @param workers       live workers
 * @param targets       targets in the inventory
 * @param replication   owners per target
 * @param unassigned    targets with fewer owners than the replication factor (no eligible worker with room)
 * @param balance       load figures of the assignment in force (leader only, else null)
 * @param lastRebalance the last rebalance this instance published, or null
 * @param heldWorkers   workers whose session was lost within the reassignment delay: their targets wait
 * @param handoffs      moved targets still scraped by their previous owner until the new one confirms
 * @param deferredMoves planned placements waiting for the movement budget
 * @param inventoryErrors sources of the inventory currently refused, with the reason (last good content in force)
 * @param stale         true when ZooKeeper did not answer in time: epoch, leader and coordinators are the
 *                      last ones read
 * @param workerConflicts worker ids claimed by a second live sidecar (a copied configuration) that
 *                      refuses to register, with the conflict in words
 * @param publishHeld   why the leader does not publish the current inventory (it lost more than
 *                      {@code assignment.maxTargetDrop} of the targets in force), empty otherwise
 * @param capacity      the workers the fleet needs for its series (leader only, with
 *                      {@code assignment.seriesPerWorker} set and series reported), else null
 */
public record CoordinatorStatus(String coordinator, boolean isLeader, String leader, List<String> coordinators,
                                long epoch, int workers, int targets, int replication, int unassigned,
                                Balance balance, RebalanceEvent lastRebalance, List<String> heldWorkers,
                                int handoffs, long deferredMoves, Map<String, String> inventoryErrors,
                                boolean stale, Map<String, String> workerConflicts,
                                String publishHeld, Capacity capacity) {

    public CoordinatorStatus {
        coordinators = coordinators == null ? List.of() : List.copyOf(coordinators);
        heldWorkers = heldWorkers == null ? List.of() : List.copyOf(heldWorkers);
        inventoryErrors = inventoryErrors == null ? Map.of() : Map.copyOf(inventoryErrors);
        workerConflicts = workerConflicts == null ? Map.of() : Map.copyOf(workerConflicts);
        publishHeld = publishHeld == null ? "" : publishHeld;
    }

    /**
     * Load (summed target weight: series once learned) over the workers that take targets.
     *
     * @param mean    mean load of the workers that take targets
     * @param max     the largest load of one worker
     * @param maxOverMean the busiest worker's load over its fair share (1.0 is perfect balance)
     * @param busiest the busiest worker relative to its fair share
     */
    public record Balance(double mean, double max, double maxOverMean, String busiest) {
    }

    /**
     * Capacity advice: the workers the series need, with hysteresis (see the coordinator's
     * configuration, {@code assignment.seriesPerWorker} and {@code assignment.scaleInMargin}).
     *
     * @param seriesPerWorker    the configured budget of one worker
     * @param series             series the workers report scraping (each replica counts)
     * @param recommendedWorkers the workers the fleet needs now
     * @param activeWorkers      the workers taking targets now (not draining, not leaving)
     * @param drainFirst         on scale-in, the worker whose removal moves the least; empty otherwise
     */
    public record Capacity(long seriesPerWorker, long series, int recommendedWorkers, int activeWorkers,
                           String drainFirst) {

        public Capacity {
            drainFirst = drainFirst == null ? "" : drainFirst;
        }
    }
}
