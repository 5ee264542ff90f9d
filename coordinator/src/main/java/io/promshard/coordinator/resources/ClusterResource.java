package io.promshard.coordinator.resources;

import io.promshard.client.api.Coverage;
import io.promshard.client.api.DryRun;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetLookup;
import io.promshard.client.api.ShardPayload;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Explain;
import io.promshard.coordinator.core.ClusterView;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.coordinator.core.DryRuns;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The leader's read-only questions: {@code GET /api/v1/targets/{job}/{address}} (who owns a target
 * and why), {@code GET /api/v1/events}, {@code GET /api/v1/dryrun/{leave|drain|join}/{worker}} and
 * {@code GET /api/v1/coverage}. A standby answers 503 naming the leader.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {

    private final Coordinator coordinator;

    public ClusterResource(Coordinator coordinator) {
        this.coordinator = coordinator;
    }

    @GET
    @Path("targets/{job}/{address}")
    public TargetLookup lookup(@PathParam("job") String job, @PathParam("address") String address,
                               @QueryParam("metricsPath") String metricsPath) {
        ClusterView view = Api.view(coordinator);
        String key = Target.key(job, address, metricsPath);
        Explain.Explanation e = Explain.target(view.assignment(), view.members(), coordinator.engine().settings(), key);
        if (e == null) {
            throw Api.error(Response.Status.NOT_FOUND, "target " + Target.display(key)
                    + " is not in the inventory (epoch " + view.epoch() + ")");
        }
        List<String> scrapedBy = new ArrayList<>();
        view.shares().forEach((worker, payload) -> {
            if (holds(payload, job, address, metricsPath)) {
                scrapedBy.add(worker);
            }
        });
        List<TargetLookup.Candidate> candidates = e.candidates().stream()
                .map(c -> new TargetLookup.Candidate(c.worker(), c.rank(), c.score(), c.owner(), c.state(), c.load(),
                        c.fairShare(), c.bound())).toList();
        return new TargetLookup(job, address, Target.display(key), e.hash(), e.slot(), e.weight(), e.owners(),
                scrapedBy, candidates);
    }

    @GET
    @Path("events")
    public List<RebalanceEvent> events() {
        List<RebalanceEvent> events = new ArrayList<>(coordinator.events());
        java.util.Collections.reverse(events);
        return events;
    }

    @GET
    @Path("dryrun/{scenario}/{worker}")
    public DryRun dryRun(@PathParam("scenario") String scenario, @PathParam("worker") String worker,
                         @QueryParam("capacity") @DefaultValue("1") @Min(1) @Max(1_000_000) int capacity,
                         @QueryParam("zone") @DefaultValue("") String zone,
                         @QueryParam("limit") @DefaultValue("1000") @Min(0) @Max(1_000_000) int limit) {
        Api.worker(worker);
        DryRuns.Scenario s;
        try {
            s = DryRuns.Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Api.error(Response.Status.BAD_REQUEST, "unknown scenario \"" + scenario
                    + "\": use leave, drain or join");
        }
        ClusterView view = Api.view(coordinator);
        try {
            return DryRuns.run(view, coordinator.engine(), s, worker, capacity, zone, limit);
        } catch (IllegalArgumentException e) {
            throw Api.error(Response.Status.NOT_FOUND, e.getMessage());
        }
    }

    @GET
    @Path("coverage")
    public Coverage coverage() {
        Api.view(coordinator);
        Coverage c = coordinator.coverage();
        if (c == null) {
            throw Api.error(Response.Status.SERVICE_UNAVAILABLE, "leadership changed; ask again");
        }
        return c;
    }

    private static boolean holds(ShardPayload p, String job, String address, String metricsPath) {
        String want = metricsPath == null || metricsPath.isEmpty() ? "/metrics" : metricsPath;
        for (List<TargetGroup> groups : List.of(p.jobs().getOrDefault(job, List.of()),
                p.handoff().getOrDefault(job, List.of()))) {
            for (TargetGroup g : groups) {
                if (g.targets().contains(address) && want.equals(g.labels().getOrDefault("__metrics_path__", "/metrics"))) {
                    return true;
                }
            }
        }
        return false;
    }
}
