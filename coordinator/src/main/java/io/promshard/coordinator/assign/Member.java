package io.promshard.coordinator.assign;

import java.util.Objects;

/**
 * A worker as the engine sees it. Built as {@code Member.of(id, capacity)} and refined with the
 * {@code with...} and {@code as...} copies, e.g. {@code Member.of("w3", 1).inZone("eu-1").asDraining()}.
 *
 * @param id         unique worker id
 * @param capacity   relative weight, at least 1: fair share is proportional to it
 * @param zone       failure domain; replicas of a target go to distinct zones where possible ("" = none)
 * @param maxTargets hard cap on the number of targets, 0 for none
 * @param maxWeight  hard cap on the summed target weight (series), 0 for none
 * @param state      what the worker may take and keep
 */
public record Member(String id, int capacity, String zone, int maxTargets, double maxWeight, State state) {

    /** What a member may take and keep. */
    public enum State {
        /** Takes targets up to its fair share and keeps what it has. */
        ACTIVE,
        /**
         * Still owed targets by a join that a movement budget spread over several epochs: it pulls up
         * to its fair share like a new worker, though it already holds some.
         */
        FILLING,
        /** Takes nothing and keeps nothing: its targets move to others. */
        DRAINING,
        /**
         * Gone from membership but within its grace period: keeps what it has, takes nothing new, and
         * its targets do not move until it is back or the grace period ends.
         */
        HELD
    }

    public Member {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        zone = Objects.requireNonNullElse(zone, "");
        if (capacity < 1) {
            throw new IllegalArgumentException("member " + id + ": capacity must be >= 1, was " + capacity);
        }
        if (maxTargets < 0 || maxWeight < 0) {
            throw new IllegalArgumentException("member " + id + ": hard caps must be >= 0");
        }
    }

    /** An active member with no zone and no hard cap. */
    public Member(String id, int capacity) {
        this(id, capacity, "", 0, 0, State.ACTIVE);
    }

    /** An active member with no zone and no hard cap. */
    public static Member of(String id, int capacity) {
        return new Member(id, capacity);
    }

    /** The same member in {@code zone}. */
    public Member inZone(String zone) {
        return new Member(id, capacity, zone, maxTargets, maxWeight, state);
    }

    /** The same member with hard caps ({@code 0} for none). */
    public Member withCaps(int maxTargets, double maxWeight) {
        return new Member(id, capacity, zone, maxTargets, maxWeight, state);
    }

    /** The same member in {@code state}. */
    public Member withState(State state) {
        return new Member(id, capacity, zone, maxTargets, maxWeight, state);
    }

    /** The same member, draining (it wins over held and filling). */
    public Member asDraining() {
        return withState(State.DRAINING);
    }

    /** The same member, held, unless it drains. */
    public Member asHeld() {
        return state == State.DRAINING ? this : withState(State.HELD);
    }

    /** The same member, filling, if it is active (a draining or held member takes nothing anyway). */
    public Member asFilling() {
        return state == State.ACTIVE ? withState(State.FILLING) : this;
    }

    /** Whether it drains: it takes nothing and keeps nothing. */
    public boolean draining() {
        return state == State.DRAINING;
    }

    /** Whether it is held: it keeps what it has and takes nothing new. */
    public boolean held() {
        return state == State.HELD;
    }

    /** Whether a budgeted join still owes it targets. */
    public boolean filling() {
        return state == State.FILLING;
    }

    /** Whether it takes new targets (active or filling); fair shares are computed over these members. */
    public boolean takesTargets() {
        return state == State.ACTIVE || state == State.FILLING;
    }
}
