package io.promshard.client.api;

import java.util.List;

/**
 * What would move if a worker left, was drained, or a new one joined, {@code POST /api/v1/dryrun}.
 * Nothing is changed by asking.
 *
 * @param scenario  {@code leave}, {@code drain} or {@code join}
 * @param worker    the worker concerned
 * @param epoch     the epoch the answer is computed from
 * @param moved     placements that would change owner
 * @param unplaced  targets that would be left with fewer owners than their replication
 * @param targets   the moved targets ({@code job/address}), at most {@code limit} of them
 * @param truncated whether {@code targets} was cut at the limit
 * @param staggered of {@code moved}, placements that would wait for another replica's hand-off to end
 *                  (one replica of a target moves at a time), so that the change takes a second epoch
 */
public record DryRun(String scenario, String worker, long epoch, long moved, int unplaced, List<Move> targets,
                     boolean truncated, long staggered) {

    /** One target's owners before and after. */
    public record Move(String target, List<String> from, List<String> to) {
    }
}
