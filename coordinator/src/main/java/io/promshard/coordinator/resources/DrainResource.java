package io.promshard.coordinator.resources;

import io.promshard.client.Json;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.DrainStatus;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.CorruptShareException;
import io.promshard.coordinator.drain.Drains;
import io.promshard.coordinator.membership.Membership;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code /api/v1/workers/{worker}/drain}: POST starts draining a worker (optional body
 * {@code {"reason": "..."}}), GET tells whether it is empty and safe to stop, DELETE undrains it.
 */
@Path("/api/v1/workers/{worker}/drain")
@Produces(MediaType.APPLICATION_JSON)
public class DrainResource {

    /** Optional body of a drain request. */
    public record DrainRequest(String reason) {
    }


    private final Drains drains;
    private final Membership membership;
    private final ShareReader reader;

    public DrainResource(Drains drains, Membership membership, ShareReader reader) {
        this.drains = drains;
        this.membership = membership;
        this.reader = reader;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response drain(@PathParam("worker") String worker, DrainRequest request) throws Exception {
        check(worker);
        Set<String> active = membership.snapshot().values().stream().filter(w -> w.state() == WorkerState.ACTIVE)
                .map(WorkerInfo::id).collect(Collectors.toSet());
        String reason = request == null || request.reason() == null ? "" : request.reason();
        Drains.Outcome outcome = drains.drain(worker, Json.mapper().writeValueAsBytes(new DrainRequest(reason)), active);
        if (outcome == Drains.Outcome.REFUSED) {
            throw Api.error(Response.Status.CONFLICT, "draining " + worker + " would leave no active worker undrained:"
                    + " its targets would have nowhere to go (undrain another first)");
        }
        // the answer states what was just decided: the drains cache may not have seen it yet
        return Response.accepted(status(worker, true)).build();
    }

    @GET
    public DrainStatus status(@PathParam("worker") String worker) throws Exception {
        check(worker);
        return status(worker, drains.current().contains(worker));
    }

    private DrainStatus status(String worker, boolean draining) throws Exception {
        int targets;
        try {
            targets = reader.readManifest(worker).map(ShareManifest::scrapedCount).orElse(0);
        } catch (CorruptShareException e) {
            targets = -1;
        }
        return new DrainStatus(worker, draining, targets, draining && targets == 0);
    }

    @DELETE
    public DrainStatus undrain(@PathParam("worker") String worker) throws Exception {
        check(worker);
        drains.undrain(worker);
        return status(worker, false);
    }

    private static void check(String worker) {
        Api.worker(worker);
    }
}
