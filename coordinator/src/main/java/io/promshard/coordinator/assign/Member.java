package io.promshard.coordinator.assign;

import java.util.Objects;

/**
 * A worker as the engine sees it.
 *
 * @param id         unique worker id
 * @param capacity   relative weight, at least 1: fair share is proportional to it
 * @param zone       failure domain; replicas of a target go to distinct zones where possible ("" = none)
 * @param draining   a draining worker takes nothing and keeps nothing: its targets move to others
 * @param maxTargets hard cap on the number of targets, 0 for none
 * @param maxWeight  hard cap on the summed target weight (series), 0 for none
 * @param held       gone from membership but within its grace period: keeps what it has, takes nothing
 *                   new, and its targets do not move until it is back or the grace period ends
 * @param filling    still owed targets by a join that a movement budget spread over several epochs: it
 *                   pulls up to its fair share like a new worker, though it already holds some
 */
public record Member(String id, int capacity, String zone, boolean draining, int maxTargets, double maxWeight,
                     boolean held, boolean filling) {

    public Member {
        Objects.requireNonNull(id, "id");
        zone = Objects.requireNonNullElse(zone, "");
        if (capacity < 1) {
            throw new IllegalArgumentException("member " + id + ": capacity must be >= 1, was " + capacity);
        }
        if (maxTargets < 0 || maxWeight < 0) {
            throw new IllegalArgumentException("member " + id + ": hard caps must be >= 0");
        }
    }

    public Member(String id, int capacity, String zone, boolean draining, int maxTargets, double maxWeight) {
        this(id, capacity, zone, draining, maxTargets, maxWeight, false, false);
    }

    /** An active member with no zone and no hard cap. */
    public Member(String id, int capacity) {
        this(id, capacity, "", false, 0, 0);
    }

    /** The same member, held (see {@link #held()}). */
    public Member asHeld() {
        return new Member(id, capacity, zone, draining, maxTargets, maxWeight, true, filling);
    }

    /** The same member, filling (see {@link #filling()}). */
    public Member asFilling() {
        return new Member(id, capacity, zone, draining, maxTargets, maxWeight, held, true);
    }
}
