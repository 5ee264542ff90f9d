package io.promshard.coordinator.core;

import io.promshard.client.api.Share;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.inventory.Inventory;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What the leader's last run produced, for the read-only questions of the API (target lookup, dry
 * run, coverage) to answer without touching the control loop. Immutable; replaced after every run.
 *
 * @param epoch       the epoch published by that run
 * @param atMillis    when the run finished
 * @param inventory   the inventory it placed
 * @param assignment  the assignment in force
 * @param members     the members the engine saw (held and filling ones marked)
 * @param shares      every worker's published share, owned and hand-off targets
 * @param shareEpochs the epoch at which each worker's share was last written
 * @param inventoryIndex the position in the assignment's target set of each of the inventory's keys,
 *                    in inventory order (-1 for a key the set lacks): shared, never to be written
 */
public record ClusterView(long epoch, long atMillis, Inventory inventory, Assignment assignment, List<Member> members,
                          SortedMap<String, Share> shares, Map<String, Long> shareEpochs, int[] inventoryIndex) {

    public ClusterView {
        members = List.copyOf(members);
        shareEpochs = Map.copyOf(shareEpochs);
        if (inventoryIndex.length != inventory.targetCount()) {
            throw new IllegalArgumentException("an index of " + inventoryIndex.length + " keys for an inventory of "
                    + inventory.targetCount());
        }
    }

    /** A view whose inventory index is looked up key by key. */
    public ClusterView(long epoch, long atMillis, Inventory inventory, Assignment assignment, List<Member> members,
                       SortedMap<String, Share> shares, Map<String, Long> shareEpochs) {
        this(epoch, atMillis, inventory, assignment, members, shares, shareEpochs,
                assignment.targets().indexesOf(inventory.keys()));
    }
}
