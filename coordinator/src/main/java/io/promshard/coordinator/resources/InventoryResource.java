package io.promshard.coordinator.resources;

import io.promshard.client.api.InventorySummary;
import io.promshard.client.api.ManagedTargets;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.inventory.InventoryException;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.ManagedInventory;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inventory. {@code GET /api/v1/inventory}: targets per job in force (every source). Per job,
 * the REST-managed targets (kept in ZooKeeper): {@code GET /api/v1/inventory/{job}} lists them,
 * {@code POST} adds a file_sd list of target groups (validated exactly as a file_sd file; an address
 * already managed is replaced), {@code DELETE ?target=host:port&target=...} removes addresses.
 */
@Path("/api/v1/inventory")
@Produces(MediaType.APPLICATION_JSON)
public class InventoryResource {

    private final ManagedInventory managed;
    private final InventoryService inventory;

    public InventoryResource(ManagedInventory managed, InventoryService inventory) {
        this.managed = managed;
        this.inventory = inventory;
    }

    @GET
    public InventorySummary summary() {
        Map<String, Integer> jobs = new LinkedHashMap<>();
        inventory.current().jobs().forEach((job, groups) ->
                jobs.put(job, groups.stream().mapToInt(g -> g.targets().size()).sum()));
        return new InventorySummary(inventory.current().targetCount(), jobs, inventory.errors());
    }

    @GET
    @Path("{job}")
    public ManagedTargets list(@PathParam("job") String job) throws Exception {
        return managedJob(job, call(() -> managed.read(job)));
    }

    @POST
    @Path("{job}")
    @Consumes(MediaType.APPLICATION_JSON)
    public ManagedTargets add(@PathParam("job") String job, byte[] body) throws Exception {
        List<TargetGroup> groups = call(() -> managed.parse("request body", body));
        if (groups.isEmpty()) {
            throw Api.error(Response.Status.BAD_REQUEST, "request body: no target groups to add");
        }
        return managedJob(job, call(() -> managed.add(job, groups)));
    }

    @DELETE
    @Path("{job}")
    public ManagedTargets remove(@PathParam("job") String job, @QueryParam("target") List<String> targets)
            throws Exception {
        if (targets == null || targets.isEmpty()) {
            throw Api.error(Response.Status.BAD_REQUEST, "name the targets to remove: ?target=host:port");
        }
        return managedJob(job, call(() -> managed.remove(job, targets)));
    }

    private static ManagedTargets managedJob(String job, List<TargetGroup> groups) {
        return new ManagedTargets(job, groups.stream().mapToInt(g -> g.targets().size()).sum(), groups);
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private static <T> T call(Call<T> call) throws Exception {
        try {
            return call.run();
        } catch (InventoryException e) {
            throw Api.error(Response.Status.BAD_REQUEST, e.getMessage());
        }
    }

}
