package io.promshard.coordinator.resources;

import io.promshard.coordinator.core.Coordinator;
import io.promshard.client.api.CoordinatorStatus;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/status}: leader, epoch, worker and target counts, the last rebalance. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

    private final Coordinator coordinator;

    public StatusResource(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    @GET
    public CoordinatorStatus status() {
        return coordinator.status();
    }
}
