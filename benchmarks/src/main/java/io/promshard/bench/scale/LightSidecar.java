package io.promshard.bench.scale;

import io.promshard.client.Json;
import io.promshard.client.metrics.Histogram;
import io.promshard.client.api.WorkerAck;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.ZkLayout;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.registration.EphemeralNode;
import io.promshard.sidecar.registration.WorkerRegistration;
import java.util.Map;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * A worker sidecar without its Prometheus and, unless asked, without files: its own Curator session,
 * the real {@link WorkerRegistration}, a single-node cache on its own assignment (as the sidecar's
 * watcher has, and as it does starting from the cached manifest), the real {@link ShareReader}
 * decoding the share, and an ephemeral ack of each applied epoch once a simulated Prometheus has
 * scraped its new targets (one scrape interval later; at once when it has none). Records when each
 * epoch was applied and how often its watch fired.
 */
final class LightSidecar implements AutoCloseable {

    final String id;
    private final CuratorFramework client;
    private final WorkerRegistration registration;
    private final CuratorCache cache;
    private final ShareReader reader;
    private final ZkLayout layout;
    private final ExecutorService pool;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicReference<String> appliedSha = new AtomicReference<>("");
    private volatile int appliedTargets;
    private volatile long appliedEpoch;
    private EphemeralNode ack;
    final Map<Long, Long> appliedAt = new ConcurrentHashMap<>();
    final AtomicInteger wakeups = new AtomicInteger();

    private final Histogram applyTimes;
    private final ScheduledExecutorService scrapes;
    private final long scrapeIntervalMs;
    /** The targets of the last acknowledged share: what the simulated Prometheus has scraped. */
    private Set<String> confirmed = Set.of();

    /**
     * @param applyTimes       where the seconds from reading a share to its files' worth being decoded are observed
     * @param scrapes          runs the acknowledgements that wait for a simulated first scrape
     * @param scrapeIntervalMs a share with targets not scraped before is acknowledged this much later, as a
     *                         sidecar acknowledges once its Prometheus has scraped every target (within one
     *                         interval); a share with none new at once
     */
    LightSidecar(String connectString, ZkLayout layout, String id, ExecutorService pool, Histogram applyTimes,
                 ScheduledExecutorService scrapes, long scrapeIntervalMs) {
        this.id = id;
        this.applyTimes = applyTimes;
        this.scrapes = scrapes;
        this.scrapeIntervalMs = scrapeIntervalMs;
        this.layout = layout;
        this.pool = pool;
        this.client = CuratorFrameworkFactory.builder().connectString(connectString).sessionTimeoutMs(30_000)
                .connectionTimeoutMs(30_000).retryPolicy(new ExponentialBackoffRetry(200, 10)).build();
        this.reader = new ShareReader(client, layout, new ShareCodec(), true);
        this.cache = CuratorCache.build(client, layout.assignment(id), CuratorCache.Options.SINGLE_NODE_CACHE);
        WorkerInfo info = new WorkerInfo(WorkerInfo.FORMAT, id, "", "", "", 1, WorkerState.ACTIVE, 0, 0);
        this.registration = new WorkerRegistration(client, layout, info, true, () -> appliedTargets == 0);
    }

    void start() {
        client.start();
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forInitialized(this::schedule)
                .forAll((type, before, after) -> {
                    wakeups.incrementAndGet();
                    schedule();
                }).build());
        cache.start();
        registration.start();
    }

    private void schedule() {
        if (queued.compareAndSet(false, true)) {
            pool.execute(this::sync);
        }
    }

    private void sync() {
        queued.set(false);
        long started = System.nanoTime();
        try {
            Optional<ShareReader.Published> p = reader.read(id,
                    ShareWatcher.cached(cache, layout.assignment(id)));
            if (p.isEmpty() || p.get().manifest().sha256().equals(appliedSha.get())) {
                return;
            }
            ShareReader.Published published = p.get();
            appliedSha.set(published.manifest().sha256());
            appliedTargets = published.share().scraped().values().stream()
                    .mapToInt(groups -> groups.stream().mapToInt(g -> g.targets().size()).sum()).sum();
            appliedEpoch = published.manifest().epoch();
            appliedAt.put(appliedEpoch, System.currentTimeMillis());
            applyTimes.observe((System.nanoTime() - started) / 1e9);
            Set<String> targets = new HashSet<>();
            published.share().scraped().values().forEach(groups -> groups.forEach(g -> targets.addAll(g.targets())));
            long epoch = appliedEpoch;
            String sha = published.manifest().sha256();
            boolean scraped;
            synchronized (this) {
                scraped = confirmed.containsAll(targets);
            }
            if (scraped) {
                acknowledge(epoch, sha, targets);
            } else {
                scrapes.schedule(() -> acknowledge(epoch, sha, targets), scrapeIntervalMs, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            schedule(); // a chunk replaced under the reader: read again
        }
    }

    /** Acknowledges {@code epoch} unless a later one was applied meanwhile (its own ack follows). */
    private void acknowledge(long epoch, String sha, Set<String> targets) {
        try {
            byte[] data = Json.mapper().writeValueAsBytes(new WorkerAck(WorkerAck.FORMAT, id, epoch, sha, true,
                    System.currentTimeMillis()));
            synchronized (this) {
                if (epoch != appliedEpoch) {
                    return;
                }
                confirmed = targets;
                if (ack == null) {
                    ack = new EphemeralNode(client, layout.ack(id), data);
                    ack.start();
                } else {
                    ack.setData(data);
                }
            }
        } catch (Exception e) {
            // the session is closing (a leave) or ZooKeeper refused: the next applied epoch acknowledges
        }
    }

    String appliedSha() {
        return appliedSha.get();
    }

    long appliedEpoch() {
        return appliedEpoch;
    }

    int appliedTargets() {
        return appliedTargets;
    }

    /** Graceful leave: announces LEAVING and waits until its share is empty (bounded by the registration). */
    void leave() throws Exception {
        registration.stop();
        close();
    }

    /**
     * Leaves without a hand-over (the harness is done), stopping the registration's node before its
     * client: a node left running retries its create on a closed client until the stack overflows.
     */
    @Override
    public void close() {
        try {
            registration.stop(false);
        } catch (Exception e) {
            // the session closes next, which removes the znode anyway
        }
        cache.close();
        synchronized (this) {
            if (ack != null) {
                try {
                    ack.close();
                } catch (java.io.IOException e) {
                    // the session closes next, which removes it anyway
                }
            }
        }
        client.close();
    }
}
