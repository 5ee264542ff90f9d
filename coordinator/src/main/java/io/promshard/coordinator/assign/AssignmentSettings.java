package io.promshard.coordinator.assign;

/**
 * The engine's parameters.
 *
 * @param replication each target goes to this many distinct workers (R)
 * @param epsilon     no worker above (1 + epsilon) times its fair share of weight, where others have room
 */
public record AssignmentSettings(int replication, double epsilon) {

    /** The largest replication factor, global or a job's own. */
    public static final int MAX_REPLICATION = 16;

    public static final AssignmentSettings DEFAULT = new AssignmentSettings(1, 0.05);

    public AssignmentSettings {
        if (replication < 1 || replication > MAX_REPLICATION) {
            throw new IllegalArgumentException("replication must be 1-" + MAX_REPLICATION + ", was " + replication);
        }
        if (!(epsilon > 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("epsilon must be in (0, 1], was " + epsilon);
        }
    }
}
