package io.promshard.coordinator.resources;

import io.promshard.client.Json;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.ShareView;
import io.promshard.client.api.Share;
import io.promshard.client.api.WorkerAck;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerView;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.CorruptShareException;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.coordinator.core.SeriesWeights;
import io.promshard.coordinator.drain.Drains;
import io.promshard.coordinator.membership.Membership;
import io.promshard.coordinator.publish.Publisher;
import io.promshard.coordinator.zk.ChildNodes;
import io.promshard.coordinator.zk.LastKnown;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /api/v1/workers} from memory: membership, drains, acks and series from the caches the
 * coordinator keeps anyway, the manifests from the leader's own publisher (a standby reads them
 * from ZooKeeper at most once per {@link Coordinator#STATUS_REFRESH}, whatever the number of
 * clients). {@code GET /api/v1/assignments/{worker}} reads the worker's share from ZooKeeper.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class WorkersResource implements Closeable {

    private final Membership membership;
    private final Drains drains;
    private final SeriesWeights weights;
    private final ChildNodes<WorkerAck> acks;
    private final ShareReader reader;
    /** The longest the workers list waits for ZooKeeper. */
    static final Duration WAIT = Duration.ofMillis(500);
    private final LastKnown<Map<String, ShareManifest>> manifests;

    private final Coordinator coordinator;

    public WorkersResource(Coordinator coordinator, ShareReader reader) {
        this.coordinator = coordinator;
        this.membership = coordinator.membership();
        this.drains = coordinator.drains();
        this.weights = coordinator.weights();
        this.acks = coordinator.acks();
        this.reader = reader;
        this.manifests = new LastKnown<>("workers", this::readManifests, Map.of(), WAIT, Coordinator.STATUS_REFRESH,
                coordinator::zooKeeperConnected);
    }

    /**
     * Every live worker with its published assignment. Never waits for ZooKeeper longer than
     * {@link #WAIT}: when it is slow or down the manifests are the last ones read, and the answer
     * carries {@code Warning: 110} (stale).
     */
    @GET
    @Path("workers")
    public Response workers() {
        Rendered last = page.get().value();
        Response.ResponseBuilder answer = Response.ok(last.json(), MediaType.APPLICATION_JSON_TYPE);
        last.warning().ifPresent(w -> answer.header("Warning", w));
        return answer.build();
    }

    /** The workers list as JSON, and its stale warning, as {@link #workers()} answers it. */
    private record Rendered(byte[] json, Optional<String> warning) {
    }

    /** Rendered at most once a second, answered from memory meanwhile: clients polling at once cost one build. */
    private final LastKnown<Rendered> page = new LastKnown<>("workers-page",
            () -> render(System.currentTimeMillis()), new Rendered("[]".getBytes(StandardCharsets.UTF_8),
            Optional.empty()), MetricsResource.FIRST_RENDER_WAIT, MetricsResource.RENDERED_FOR,
            this::zooKeeperConnected);

    /** Whether the session is connected: while it is not, every answer is rendered anew (one rendering at a time). */
    private boolean zooKeeperConnected() {
        return coordinator.zooKeeperConnected();
    }

    /** Stops the reading and rendering threads. */
    @Override
    public void close() {
        page.close();
        manifests.close();
    }

    private Rendered render(long now) throws Exception {
        Optional<Publisher.InForce> own = coordinator.publishedInForce();
        // the leader's own manifests, kept as the last known for when it stops leading or loses ZooKeeper
        own.ifPresent(p -> manifests.remember(p.manifests()));
        LastKnown.Value<Map<String, ShareManifest>> read = own.isPresent() && coordinator.zooKeeperConnected()
                ? new LastKnown.Value<>(own.get().manifests(), false, System.currentTimeMillis()) : manifests.get();
        Map<String, WorkerAck> acknowledged = acks.current();
        Map<String, Long> series = weights.seriesByWorker();
        Set<String> drained = drains.current();
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
        Optional<String> warning = !read.stale() ? Optional.empty() : Optional.of("110 - \"stale: ZooKeeper did "
                + "not answer within " + WAIT.toMillis() + " ms; assignments as last read"
                + (read.atMillis() == 0 ? " (never)" : " at " + read.atMillis()) + "\"");
        return new Rendered(Json.mapper().writeValueAsBytes(out), warning);
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
