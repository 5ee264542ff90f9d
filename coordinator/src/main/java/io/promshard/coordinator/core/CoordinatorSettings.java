package io.promshard.coordinator.core;

import io.promshard.coordinator.assign.AssignmentSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The control loop's parameters.
 *
 * @param settleTime        changes arriving within this time are handled in one epoch
 * @param reassignmentDelay a worker whose session is lost (not one that leaves gracefully) keeps its
 *                          targets this long, so a restart or a short partition moves nothing
 * @param engine            replication and balance bound
 * @param pins              where jobs or targets must be placed
 * @param handoffTimeout    a moved target stays on its previous owner at most this long without the new
 *                          owner's confirmation
 * @param movementBudget    planned placements in flight at most (0: no limit)
 * @param maxTargetDrop     the largest share of the targets in force an inventory change may drop at once
 *                          without an operator's confirmation (1: any)
 * @param jobReplication    the jobs with a replication of their own, by name (a count, or
 *                          {@link io.promshard.coordinator.assign.TargetSet#EVERY_WORKER})
 * @param seriesPerWorker   the series one worker should scrape at most, for the capacity advice (0: no advice)
 * @param scaleInMargin     how far below that budget the fleet left must be before the advice falls
 */
public record CoordinatorSettings(Duration settleTime, Duration reassignmentDelay, AssignmentSettings engine,
                                  List<PinRule> pins, Duration handoffTimeout, long movementBudget,
                                  double maxTargetDrop, Map<String, Integer> jobReplication,
                                  long seriesPerWorker, double scaleInMargin) {

    public CoordinatorSettings {
        pins = List.copyOf(pins);
        jobReplication = Map.copyOf(jobReplication);
        if (!(maxTargetDrop >= 0 && maxTargetDrop <= 1)) {
            throw new IllegalArgumentException("maxTargetDrop must be between 0 and 1, was " + maxTargetDrop);
        }
    }

    public CoordinatorSettings(Duration settleTime, Duration reassignmentDelay, AssignmentSettings engine,
                               List<PinRule> pins) {
        this(settleTime, reassignmentDelay, engine, pins, Duration.ofMinutes(3), 0, 0.5, Map.of(), 0, 0.1);
    }
}
