package io.promshard.client.api;

/** Lifecycle state a worker announces in its membership znode. */
public enum WorkerState {
    /** Takes a share of the targets. */
    ACTIVE,
    /** Keeps its targets only until others have them; takes no new ones. */
    DRAINING,
    /** Shutting down gracefully: its targets move at once, with no grace period. */
    LEAVING,
    /** Registered, but its Prometheus does not answer: owns nothing until it does (no hand-off from it). */
    UNREADY
}
