package io.promshard.client.api;

import io.promshard.client.Identifiers;
import java.util.Objects;

/**
 * What a sidecar writes to {@code conflicts/<id>} when it refuses to register because another live
 * sidecar process holds worker {@code id} (a copied configuration).
 *
 * @param version  wire format version, {@link #FORMAT}
 * @param worker   the worker id both claim
 * @param refused  the instance that refused to register ({@code host/pid/random})
 * @param holder   the instance that holds the registration
 * @param atMillis when the conflict was found
 */
public record WorkerConflict(int version, String worker, String refused, String holder, long atMillis) {

    public static final int FORMAT = 1;

    public WorkerConflict {
        Identifiers.checkWorkerId(worker);
        refused = Objects.requireNonNullElse(refused, "");
        holder = Objects.requireNonNullElse(holder, "");
    }

    /** The conflict in words, for logs, status and health checks. */
    public String describe() {
        return "worker id " + worker + " is registered by sidecar " + (holder.isEmpty() ? "(unknown instance)" : holder)
                + "; sidecar " + refused + " with the same id refuses to register: give each sidecar its own worker.id";
    }
}
