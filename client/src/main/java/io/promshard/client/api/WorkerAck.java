package io.promshard.client.api;

import io.promshard.client.Identifiers;
import java.util.Objects;

/**
 * What a worker sidecar writes to its ephemeral {@code acks/<id>} znode once an assignment is in
 * force: the epoch of its applied manifest, and whether its Prometheus has confirmed every target
 * of it (active and scraped at least once, or dropped by its relabelling). The coordinator ends a
 * hand-over when each new owner's ack reaches the epoch that gave it the target.
 *
 * @param version   wire format version, {@link #FORMAT}
 * @param worker    the worker's id
 * @param epoch     epoch of the acknowledged manifest
 * @param sha256    digest of the acknowledged share
 * @param confirmed true when the worker's Prometheus confirmed the targets; false when the sidecar
 *                  runs without a Prometheus to ask and acknowledges written files
 * @param atMillis  when the ack was written
 */
public record WorkerAck(int version, String worker, long epoch, String sha256, boolean confirmed, long atMillis) {

    public static final int FORMAT = 1;

    public WorkerAck {
        Identifiers.checkWorkerId(worker);
        sha256 = Objects.requireNonNullElse(sha256, "");
        if (epoch < 0) {
            throw new IllegalArgumentException("worker=" + worker + ": ack epoch must be >= 0, was " + epoch);
        }
    }
}
