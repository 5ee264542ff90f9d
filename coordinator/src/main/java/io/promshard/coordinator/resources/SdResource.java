package io.promshard.coordinator.resources;

import io.promshard.client.api.TargetGroup;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.CorruptShareException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/sd/{worker}?job=}: a worker's published share in Prometheus' http_sd format (a
 * JSON list of target groups), owned and hand-off targets, for {@code http_sd_configs}. Without
 * {@code job}, every job's groups. An unknown worker or an unreadable share answers an error, on
 * which Prometheus keeps the targets it has.
 */
@Path("/api/v1/sd/{worker}")
@Produces(MediaType.APPLICATION_JSON)
public class SdResource {

    private final ShareReader reader;

    public SdResource(ShareReader reader) {
        this.reader = reader;
    }

    @GET
    public List<TargetGroup> targets(@PathParam("worker") String worker, @QueryParam("job") String job)
            throws Exception {
        Api.worker(worker);
        ShareReader.Published p;
        try {
            p = reader.read(worker).orElseThrow(() -> Api.error(Response.Status.NOT_FOUND,
                    "no assignment published for worker " + worker));
        } catch (CorruptShareException e) {
            throw Api.error(Response.Status.INTERNAL_SERVER_ERROR, "assignment of " + worker + " is unreadable: "
                    + e.getMessage());
        }
        return select(p.share().scraped(), job);
    }

    /** The groups of {@code job}, or of every job when it is null or empty. */
    public static List<TargetGroup> select(Map<String, List<TargetGroup>> jobs, String job) {
        if (job != null && !job.isEmpty()) {
            return jobs.getOrDefault(job, List.of());
        }
        List<TargetGroup> out = new ArrayList<>();
        jobs.values().forEach(out::addAll);
        return out;
    }
}
