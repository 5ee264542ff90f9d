package io.promshard.coordinator.resources;

import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.ShareView;
import io.promshard.client.api.Share;
import io.promshard.client.api.WorkerAck;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerView;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.CorruptShareException;
import io.promshard.coordinator.core.SeriesWeights;
import io.promshard.coordinator.drain.Drains;
import io.promshard.coordinator.membership.Membership;
import io.promshard.coordinator.zk.ChildNodes;
import io.promshard.coordinator.zk.LastKnown;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code GET /api/v1/workers} and {@code GET /api/v1/assignments/{worker}}, read from ZooKeeper. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class WorkersResource {

    private final Membership membership;
    private final Drains drains;
    private final SeriesWeights weights;
    private final ChildNodes<WorkerAck> acks;
    private final ShareReader reader;
    /** The longest the workers list waits for ZooKeeper. */
    static final Duration WAIT = Duration.ofMillis(500);
    private final LastKnown<Map<String, ShareManifest>> manifests;

    public WorkersResource(Membership membership, Drains drains, SeriesWeights weights, ChildNodes<WorkerAck> acks,
                           ShareReader reader) {
        this.membership = membership;
        this.drains = drains;
        this.weights = weights;
        this.acks = acks;
        this.reader = reader;
        this.manifests = new LastKnown<>("workers", this::readManifests, Map.of(), WAIT);
    }

    /**
     * Every live worker with its published assignment. Never waits for ZooKeeper longer than
     * {@link #WAIT}: when it is slow or down the manifests are the last ones read, and the answer
     * carries {@code Warning: 110} (stale).
     */
    @GET
    @Path("workers")
    public Response workers() {
        LastKnown.Value<Map<String, ShareManifest>> read = manifests.get();
        Map<String, WorkerAck> acknowledged = acks.current();
        Map<String, Long> series = weights.seriesByWorker();
        Set<String> drained = drains.current();
        long now = System.currentTimeMillis();
        List<WorkerView> out = new ArrayList<>();
        for (WorkerInfo w : membership.snapshot().values()) {
            Optional<ShareManifest> m = Optional.ofNullable(read.value().get(w.id()));
            long epoch = m.map(ShareManifest::epoch).orElse(0L);
            WorkerAck ack = acknowledged.get(w.id());
            long acked = ack == null ? -1 : ack.epoch();
            out.add(new WorkerView(w.id(), w.prometheusUrl(), w.sidecarUrl(), w.zone(), w.capacity(), w.state(),
                    drained.contains(w.id()), epoch, m.map(ShareManifest::targetCount).orElse(0),
                    m.map(ShareManifest::handoffCount).orElse(0), series.getOrDefault(w.id(), -1L), acked,
                    ack != null && ack.confirmed(), m.isEmpty() ? 0 : Math.max(0, epoch - Math.max(acked, 0)),
                    ack == null ? -1 : Math.max(0, now - ack.atMillis())));
        }
        Response.ResponseBuilder answer = Response.ok(out);
        if (read.stale()) {
            answer.header("Warning", "110 - \"stale: ZooKeeper did not answer within " + WAIT.toMillis()
                    + " ms; assignments as last read" + (read.atMillis() == 0 ? " (never)" : " at " + read.atMillis())
                    + "\"");
        }
        return answer.build();
    }

    private Map<String, ShareManifest> readManifests() throws Exception {
        Map<String, ShareManifest> out = new HashMap<>();
        for (String worker : membership.snapshot().keySet()) {
            readManifest(worker).ifPresent(m -> out.put(worker, m));
        }
        return out;
    }

    @GET
    @Path("assignments/{worker}")
    public ShareView assignment(@PathParam("worker") String worker) throws Exception {
        Api.worker(worker);
        Optional<ShareReader.Published> published;
        try {
            published = reader.read(worker);
        } catch (CorruptShareException e) {
            throw Api.error(Response.Status.INTERNAL_SERVER_ERROR,
                    "assignment of " + worker + " is unreadable: " + e.getMessage());
        }
        ShareReader.Published p = published.orElseThrow(() -> Api.error(Response.Status.NOT_FOUND,
                "no assignment published for worker " + worker));
        Share share = p.share();
        return new ShareView(worker, p.manifest().epoch(), share.targetCount(), share.jobs(),
                share.handoff());
    }

    private Optional<ShareManifest> readManifest(String worker) throws Exception {
        try {
            return reader.readManifest(worker);
        } catch (CorruptShareException e) {
            return Optional.empty();
        }
    }
}
