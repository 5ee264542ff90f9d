package io.promshard.sidecar.resources;

import io.promshard.client.Identifiers;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.service.JsonErrors;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /sd?job=}: the worker's targets in Prometheus' http_sd format, read from the file_sd
 * files the sidecar wrote, so both ways of reading give exactly the same targets, also after a
 * restart before ZooKeeper answers. A job with no file answers {@code []}; without {@code job},
 * every job's groups.
 */
@Path("/sd")
@Produces(MediaType.APPLICATION_JSON)
public class SdResource {

    private final FileSdDirectory directory;

    public SdResource(FileSdDirectory directory) {
        this.directory = directory;
    }

    @GET
    public List<TargetGroup> targets(@QueryParam("job") String job) {
        try {
            if (job != null && !job.isEmpty()) {
                if (!Identifiers.isSafe(job)) {
                    throw JsonErrors.error(Response.Status.BAD_REQUEST, "invalid job name: must be 1-128 of A-Z a-z 0-9 . _ -");
                }
                return directory.read(job);
            }
            List<TargetGroup> all = new ArrayList<>();
            for (String name : directory.names()) {
                all.addAll(directory.read(name));
            }
            return all;
        } catch (IOException e) {
            // an error, not an empty list: Prometheus keeps the targets it has
            throw JsonErrors.error(Response.Status.INTERNAL_SERVER_ERROR, "cannot read the file_sd files in "
                    + directory.path() + ": " + e.getMessage());
        }
    }

}
