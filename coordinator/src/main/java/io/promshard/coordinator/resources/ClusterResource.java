package io.promshard.coordinator.resources;

import io.promshard.client.api.Coverage;
import io.promshard.client.api.DryRun;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.TargetLookup;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Explain;
import io.promshard.coordinator.assign.TargetSet;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The leader's read-only questions: {@code GET /api/v1/targets/{job}/{address}} (who owns a target
 * and why), {@code GET /api/v1/events}, {@code GET /api/v1/dryrun/{leave|drain|join}/{worker}} and
 * {@code GET /api/v1/coverage}. A standby answers 503 naming the leader: these come from the
 * leader's memory (the events of a former leadership would be stale).
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {

    /** Most targets a dry run lists each way; the counts are always whole. */
    public static final int MAX_LISTED = 10_000;

    private final Coordinator coordinator;
    private final AssignmentEngine engine;
    private final ComputeBudget dryRuns;
    private final ComputeBudget lookups;

    /**
     * @param dryRuns bounds the dry runs computed at once (each recomputes the whole assignment)
     * @param lookups bounds the lookups computed at once
     */
    public ClusterResource(Coordinator coordinator, AssignmentEngine engine, ComputeBudget dryRuns,
                           ComputeBudget lookups) {
        this.coordinator = coordinator;
        this.engine = engine;
        this.dryRuns = dryRuns;
        this.lookups = lookups;
    }

    /** A question about one view: the same question about the same view has the same answer. */
    private record Question(long epoch, long viewAt, String kind, List<Object> arguments) {
        static Question of(ClusterView view, String kind, Object... arguments) {
            return new Question(view.epoch(), view.atMillis(), kind, Arrays.asList(arguments));
        }
    }

    @GET
    @Path("targets/{job}/{address}")
    public TargetLookup lookup(@PathParam("job") String job, @PathParam("address") String address,
                               @QueryParam("metricsPath") String metricsPath) {
        ClusterView view = Api.view(coordinator);
        return lookups.answer(Question.of(view, "lookup", job, address, String.valueOf(metricsPath)),
                () -> lookup(view, job, address, metricsPath));
    }

    private TargetLookup lookup(ClusterView view, String job, String address, String metricsPath) {
        String key = Target.key(job, address, metricsPath);
        Explain.Explanation e = Explain.target(view.assignment(), view.members(), engine.settings(), key);
        if (e == null) {
            throw Api.error(Response.Status.NOT_FOUND, "target " + Target.display(key)
                    + " is not in the inventory (epoch " + view.epoch() + ")");
        }
        List<String> scrapedBy = new ArrayList<>();
        view.shares().forEach((worker, share) -> {
            if (holds(share, job, address, metricsPath)) {
                scrapedBy.add(worker);
            }
        });
        List<TargetLookup.Candidate> candidates = e.candidates().stream()
                .map(c -> new TargetLookup.Candidate(c.worker(), c.rank(), c.score(), c.owner(), c.state(), c.load(),
                        c.fairShare(), c.bound())).toList();
        return new TargetLookup(job, address, Target.display(key), e.hash(), e.slot(), e.weight(), e.owners(),
                scrapedBy, candidates, reason(e, scrapedBy), e.replication() == TargetSet.EVERY_WORKER ? "all"
                : Integer.toString(e.replication()));
    }

    /**
     * The explanation in words: each owner's rank and what kept every better-ranked worker from it,
     * or for a job on every worker, which workers cannot take it.
     */
    static String reason(Explain.Explanation e, List<String> scrapedBy) {
        if (e.replication() == TargetSet.EVERY_WORKER) {
            List<String> missing = e.candidates().stream()
                    .filter(c -> c.state().equals("eligible") && !e.owners().contains(c.worker())).map(Explain.Candidate::worker)
                    .toList();
            return "its job's replication is all: every eligible worker its pin allows scrapes it"
                    + (missing.isEmpty() ? "" : "; " + String.join(", ", missing) + " cannot: hard cap full");
        }
        return ownersReason(e, scrapedBy);
    }

    private static String ownersReason(Explain.Explanation e, List<String> scrapedBy) {
        if (e.owners().isEmpty()) {
            return "no owner: no eligible worker with room" + (e.candidates().stream()
                    .anyMatch(c -> c.state().equals("pinned-out")) ? " that its pin allows" : "");
        }
        StringBuilder sb = new StringBuilder();
        for (String owner : e.owners()) {
            Explain.Candidate o = e.candidates().stream().filter(c -> c.worker().equals(owner)).findFirst().orElseThrow();
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(owner);
            if (o.rank() == 1) {
                sb.append(" is its first choice");
                continue;
            }
            sb.append(o.rank() == 0 ? " holds it while " + o.state() : " is its choice " + o.rank());
            List<String> passed = new ArrayList<>();
            for (Explain.Candidate c : e.candidates()) {
                if (c.rank() == 0 || (o.rank() != 0 && c.rank() >= o.rank()) || e.owners().contains(c.worker())) {
                    continue;
                }
                passed.add(c.worker() + (c.load() + e.weight() > c.fairShare()
                        ? String.format(Locale.ROOT, " holds its share (load %.0f, fair share %.1f, bound %.1f)",
                        c.load(), c.fairShare(), c.bound())
                        : " has room but the assignment is sticky: targets move only when their owner leaves or is "
                        + "over its bound"));
            }
            if (!passed.isEmpty()) {
                sb.append(": ").append(String.join(", ", passed));
            }
        }
        List<String> extra = scrapedBy.stream().filter(w -> !e.owners().contains(w)).toList();
        if (!extra.isEmpty()) {
            sb.append("; ").append(String.join(", ", extra)).append(" still scrapes it until the new owner confirms it");
        }
        return sb.toString();
    }

    @GET
    @Path("events")
    public List<RebalanceEvent> events() {
        Api.leader(coordinator);
        List<RebalanceEvent> events = new ArrayList<>(coordinator.events());
        Collections.reverse(events);
        return events;
    }

    @GET
    @Path("dryrun/{scenario}/{worker}")
    public DryRun dryRun(@PathParam("scenario") String scenario, @PathParam("worker") String worker,
                         @QueryParam("capacity") @DefaultValue("1") @Min(1) @Max(1_000_000) int capacity,
                         @QueryParam("zone") @DefaultValue("") String zone,
                         @QueryParam("limit") @DefaultValue("1000") @Min(0) @Max(MAX_LISTED) int limit) {
        Api.worker(worker);
        DryRuns.Scenario s;
        try {
            s = DryRuns.Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Api.error(Response.Status.BAD_REQUEST, "unknown scenario \"" + scenario
                    + "\": use leave, drain or join");
        }
        ClusterView view = Api.view(coordinator);
        return dryRuns.answer(Question.of(view, "dryrun", s, worker, capacity, zone, limit), () -> {
            try {
                return DryRuns.run(view, engine, s, worker, capacity, zone, limit);
            } catch (IllegalArgumentException e) {
                throw Api.error(Response.Status.NOT_FOUND, e.getMessage());
            }
        });
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

    private static boolean holds(Share p, String job, String address, String metricsPath) {
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
