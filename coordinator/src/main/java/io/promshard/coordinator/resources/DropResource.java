package io.promshard.coordinator.resources;

import io.promshard.coordinator.core.Coordinator;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * {@code POST /api/v1/inventory/drop/confirm}: lets the leader publish the inventory it holds back
 * because it lost more than {@code assignment.maxTargetDrop} of the targets in force (the status's
 * {@code publishHeld} says why). Needs the API token, as every mutation.
 */
@Path("/api/v1/inventory/drop/confirm")
@Produces(MediaType.APPLICATION_JSON)
public class DropResource {

    private final Coordinator coordinator;

    public DropResource(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    @POST
    public Response confirm() throws Exception {
        Api.leader(coordinator);
        String held = coordinator.publishHeld();
        if (held.isEmpty() || !coordinator.confirmDrop()) {
            throw Api.error(Response.Status.CONFLICT, "no target drop is held: nothing to confirm");
        }
        return Response.accepted(Map.of("confirmed", held)).build();
    }
}
