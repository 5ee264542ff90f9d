package io.promshard.client.api;

import io.promshard.client.Identifiers;
import java.util.Objects;

/**
 * What a worker sidecar announces about itself in its ephemeral {@code workers/<id>} znode.
 *
 * @param version       wire format version, {@link #FORMAT}
 * @param id            worker id, valid per {@link Identifiers#checkWorkerId}
 * @param prometheusUrl base URL of the worker's Prometheus, used for federation
 * @param sidecarUrl    base URL of the sidecar's REST API (may be empty)
 * @param zone          failure domain (may be empty)
 * @param capacity      relative share weight, at least 1
 * @param state         ACTIVE or DRAINING
 * @param maxTargets    hard cap on targets assigned to this worker, 0 for none
 * @param maxSeries     hard cap on the summed series (target weight) of this worker, 0 for none
 * @param instance      the sidecar process that registered it ({@code host/pid/random}, made at its start;
 *                      empty from sidecars before it): a sidecar takes over a znode of its id only when
 *                      the instance is its own (its earlier, expired session), never another's
 */
public record WorkerInfo(int version, String id, String prometheusUrl, String sidecarUrl, String zone,
                         int capacity, WorkerState state, int maxTargets, long maxSeries, String instance) {

    public static final int FORMAT = 1;

    /** A registration without an instance identity. */
    public WorkerInfo(int version, String id, String prometheusUrl, String sidecarUrl, String zone,
                      int capacity, WorkerState state, int maxTargets, long maxSeries) {
        this(version, id, prometheusUrl, sidecarUrl, zone, capacity, state, maxTargets, maxSeries, "");
    }

    public WorkerInfo {
        Identifiers.checkWorkerId(id);
        instance = Objects.requireNonNullElse(instance, "");
        prometheusUrl = Objects.requireNonNullElse(prometheusUrl, "");
        sidecarUrl = Objects.requireNonNullElse(sidecarUrl, "");
        zone = Objects.requireNonNullElse(zone, "");
        if (capacity < 1) {
            throw new IllegalArgumentException("worker=" + id + ": capacity must be >= 1, was " + capacity);
        }
        state = Objects.requireNonNullElse(state, WorkerState.ACTIVE);
        if (maxTargets < 0 || maxSeries < 0) {
            throw new IllegalArgumentException("worker=" + id + ": hard caps must be >= 0");
        }
    }

    /** The same registration announcing {@code newState}. */
    public WorkerInfo withState(WorkerState newState) {
        return new WorkerInfo(version, id, prometheusUrl, sidecarUrl, zone, capacity, newState, maxTargets, maxSeries,
                instance);
    }

    /** The same registration made by sidecar process {@code newInstance}. */
    public WorkerInfo withInstance(String newInstance) {
        return new WorkerInfo(version, id, prometheusUrl, sidecarUrl, zone, capacity, state, maxTargets, maxSeries,
                newInstance);
    }

    /** The {@code host:port} of the worker's Prometheus, as a federation target. */
    public String prometheusAddress() {
        String s = prometheusUrl.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
        int slash = s.indexOf('/');
        return slash < 0 ? s : s.substring(0, slash);
    }
}
