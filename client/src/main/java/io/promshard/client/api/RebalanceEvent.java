package io.promshard.client.api;

import java.util.List;

/**
 * One run of the leader's rebalance that changed what is published.
 *
 * @param epoch          epoch it published
 * @param timeMillis     when it finished
 * @param causes         what triggered it (membership, inventory, leadership, drain, ack, ...)
 * @param changedWorkers workers whose assignment was rewritten
 * @param moved          targets whose owner changed, compared with the previous assignment in force
 * @param targets        targets in the inventory
 * @param durationMillis compute and publish time
 * @param bytesWritten   bytes written to ZooKeeper (chunks, manifests and the state znode)
 */
public record RebalanceEvent(long epoch, long timeMillis, List<String> causes, List<String> changedWorkers,
                             int moved, int targets, long durationMillis, long bytesWritten) {

    public RebalanceEvent {
        causes = List.copyOf(causes);
        changedWorkers = List.copyOf(changedWorkers);
    }
}
