package io.promshard.client.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * Content of the {@code state} znode, written by the leader in the same transaction as the
 * assignments of an epoch. {@code filling} names workers still owed targets by a join that the
 * movement budget spreads over several epochs, so that a new leader finishes it.
 */
public record ClusterState(int version, long epoch, String leader, String inventoryDigest,
                           String membershipDigest, long updatedAtMillis,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> filling) {

    public static final int FORMAT = 1;

    public ClusterState {
        leader = Objects.requireNonNullElse(leader, "");
        inventoryDigest = Objects.requireNonNullElse(inventoryDigest, "");
        membershipDigest = Objects.requireNonNullElse(membershipDigest, "");
        filling = filling == null ? List.of() : List.copyOf(filling);
    }

    public ClusterState(int version, long epoch, String leader, String inventoryDigest, String membershipDigest,
                        long updatedAtMillis) {
        this(version, epoch, leader, inventoryDigest, membershipDigest, updatedAtMillis, List.of());
    }
}
