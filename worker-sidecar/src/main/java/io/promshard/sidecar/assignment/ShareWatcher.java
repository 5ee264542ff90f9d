package io.promshard.sidecar.assignment;

import io.dropwizard.lifecycle.Managed;
import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.filesd.FileSdDirectory;
import io.promshard.service.Daemons;
import io.promshard.client.metrics.Histogram;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.CorruptShareException;
import io.promshard.client.zk.ZkLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches this worker's manifest znode {@code assignments/<id>} (one watch, on its own node only)
 * and applies each new assignment to the file_sd directory: one {@code <job>.json} per job, written
 * atomically, and job files no longer assigned removed. Fail static: when ZooKeeper is unreachable,
 * when the assignment is deleted (the worker left membership) or when it is corrupt, the files stay
 * exactly as they are.
 *
 * <p>Lifecycle LATENT -> STARTED -> CLOSED. ZooKeeper reads and file writes happen on one
 * dedicated thread, never on Curator's event thread.
 */
public final class ShareWatcher implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(ShareWatcher.class);
    private static final long RETRY_MILLIS = 1_000;

    private enum State { LATENT, STARTED, CLOSED }

    private final String worker;
    private final ShareReader reader;
    private final FileSdDirectory directory;
    private final String path;
    private final CuratorCache cache;
    private final ScheduledExecutorService executor;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final AtomicBoolean queued = new AtomicBoolean();
    /** Whether this sidecar may apply now: it holds its worker's registration (not a duplicate of a live one). */
    private volatile BooleanSupplier gate = () -> true;
    /** How often a gated watcher looks again whether it may apply. */
    private static final long GATE_MILLIS = 250;
    private final AtomicBoolean gated = new AtomicBoolean();
    private final AtomicReference<AppliedState> applied;
    private final AtomicReference<Share> appliedShare = new AtomicReference<>();
    /** What the files keep beyond the share. */
    private volatile Lingering lingering = Lingering.NONE;
    /** Set when the files are to be written again though the share did not change (lingering changed). */
    private final AtomicBoolean rewrite = new AtomicBoolean();
    private final AtomicLong fileWrites = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final Histogram applyDurations = new Histogram(Histogram.SECONDS);
    private final List<Consumer<AppliedState>> listeners =
            new CopyOnWriteArrayList<>();

    public ShareWatcher(CuratorFramework client, ZkLayout layout, String worker, ShareCodec codec,
                             FileSdDirectory directory) {
        this.worker = worker;
        this.reader = new ShareReader(client, layout, codec, true);
        this.directory = directory;
        this.path = layout.assignment(worker);
        this.cache = CuratorCache.build(client, path, CuratorCache.Options.SINGLE_NODE_CACHE);
        this.applied = new AtomicReference<>(AppliedState.initial(worker));
        this.executor = Daemons.singleThread("promshard-assignment-" + worker);
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("ShareWatcher cannot be started more than once");
        }
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forInitialized(this::schedule)
                .forAll((type, before, after) -> schedule())
                .build());
        cache.start();
    }

    /**
     * The data {@code cache} holds for {@code path}, or null: what a watcher hands
     * {@link ShareReader#read(String, byte[])} so that it starts from the manifest it already has.
     */
    public static byte[] cached(CuratorCache cache, String path) {
        return cache.get(path).map(ChildData::getData).orElse(null);
    }

    public AppliedState applied() {
        return applied.get();
    }

    public FileSdDirectory directory() {
        return directory;
    }

    private void schedule() {
        if (state.get() == State.STARTED && queued.compareAndSet(false, true)) {
            executor.execute(this::sync);
        }
    }

    /** The files also keep what {@code lingering} says (set before {@link #start}). */
    public void lingerWith(Lingering lingering) {
        this.lingering = lingering;
    }

    /** Writes the files again, from the share applied and what lingers now. */
    public void refreshFiles() {
        rewrite.set(true);
        schedule();
    }

    /**
     * Applies assignments only while {@code mayApply} holds (the registration is this sidecar's): a
     * sidecar started with the id of a live one leaves its files as they are.
     */
    public void applyOnlyWhile(BooleanSupplier mayApply) {
        this.gate = mayApply;
    }

    private void sync() {
        queued.set(false);
        if (state.get() != State.STARTED) {
            return;
        }
        if (!gate.getAsBoolean()) {
            if (gated.compareAndSet(false, true)) {
                LOG.info("worker={}: not applying assignments until this sidecar holds the registration", worker);
            }
            if (queued.compareAndSet(false, true)) {
                executor.schedule(this::sync, GATE_MILLIS, TimeUnit.MILLISECONDS);
            }
            return;
        }
        gated.set(false);
        try {
            long started = System.nanoTime();
            // the manifest as the cache holds it: a small delta inline in it is applied without a read
            Optional<ShareReader.Published> published = reader.read(worker, cached(cache, path));
            if (published.isEmpty()) {
                LOG.debug("worker={}: no assignment published; files left as they are", worker);
                return;
            }
            if (apply(published.get())) {
                applyDurations.observe((System.nanoTime() - started) / 1e9);
            }
        } catch (CorruptShareException e) {
            failed(e.getMessage());
            LOG.error("worker={}: assignment refused, files left as they are: {}", worker, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            writeErrors.incrementAndGet();
            failed("cannot write the file_sd files in " + directory.path() + ": " + e);
            LOG.error("worker={}: cannot write the file_sd files ({}); the last files stay, retrying", worker,
                    e.toString());
            if (state.get() == State.STARTED && queued.compareAndSet(false, true)) {
                executor.schedule(this::sync, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            LOG.warn("worker={}: cannot read or apply the assignment now ({}); files left as they are, retrying",
                    worker, e.toString());
            if (state.get() == State.STARTED && queued.compareAndSet(false, true)) {
                executor.schedule(this::sync, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Counts a failure to apply what is published in the status, with its reason, the files left as they are. */
    private void failed(String reason) {
        AppliedState s = applied.get();
        applied.set(new AppliedState(s.worker(), s.epoch(), s.sha256(), s.targets(), s.handoff(), s.jobs(),
                s.appliedAtMillis(), s.errors() + 1, reason));
    }

    /** Writes the files of {@code published} unless they are written already; says whether it wrote. */
    private boolean apply(ShareReader.Published published) throws IOException {
        Share share = published.share();
        AppliedState before = applied.get();
        if (published.manifest().sha256().equals(before.sha256()) && !rewrite.getAndSet(false)) {
            return false;
        }
        Share previous = appliedShare.get();
        Map<String, List<TargetGroup>> scraped = share.scraped();
        writeFiles(withExtra(scraped, lingering.extra(previous == null ? share : previous, share)));
        Map<String, Integer> jobs = new TreeMap<>();
        scraped.forEach((job, groups) -> jobs.put(job, groups.stream().mapToInt(g -> g.targets().size()).sum()));
        AppliedState now = new AppliedState(worker, published.manifest().epoch(), published.manifest().sha256(),
                share.targetCount(), share.handoffCount(), jobs, System.currentTimeMillis(), before.errors(),
                before.lastError());
        appliedShare.set(share);
        applied.set(now);
        LOG.info("worker={} epoch={}: applied {} targets ({} more until their new owners confirm them) in {} jobs to {}",
                worker, now.epoch(), now.targets(), now.handoff(), jobs.size(), directory.path());
        listeners.forEach(l -> l.accept(now));
        return true;
    }

    private static Map<String, List<TargetGroup>> withExtra(Map<String, List<TargetGroup>> scraped,
                                                            Map<String, List<TargetGroup>> extra) {
        if (extra.isEmpty()) {
            return scraped;
        }
        Map<String, List<TargetGroup>> files = new TreeMap<>(scraped);
        extra.forEach((job, groups) -> {
            List<TargetGroup> all = new ArrayList<>(files.getOrDefault(job, List.of()));
            all.addAll(groups);
            files.put(job, all);
        });
        return files;
    }

    /**
     * One file per job of {@code files}, and the files of other jobs emptied ({@code []}), never
     * deleted: Prometheus drops the targets of a deleted file, but vmagent keeps what it last read
     * from a file it can no longer read, so a worker left without a job's targets would go on
     * scraping them (the race found a drained vmagent worker doing so).
     */
    private void writeFiles(Map<String, List<TargetGroup>> files) throws IOException {
        for (Map.Entry<String, List<TargetGroup>> job : files.entrySet()) {
            if (directory.write(job.getKey(), job.getValue())) {
                fileWrites.incrementAndGet();
            }
        }
        for (String existing : directory.names()) {
            if (!files.containsKey(existing) && directory.write(existing, List.of())) {
                fileWrites.incrementAndGet();
            }
        }
    }

    /** Seconds from reading a published share to its files written, for every share applied since start. */
    public Histogram.Snapshot applyDurations() {
        return applyDurations.snapshot();
    }

    /** file_sd files written (content changed) since start. */
    public long fileWrites() {
        return fileWrites.get();
    }

    /** Attempts to apply an assignment that failed writing files since start. */
    public long writeErrors() {
        return writeErrors.get();
    }

    /** The share whose files are written, or null before the first. */
    public Share appliedShare() {
        return appliedShare.get();
    }

    /** Called on the watcher's thread after each applied assignment; must only hand work off. */
    public void addListener(Consumer<AppliedState> listener) {
        listeners.add(listener);
    }

    @Override
    public void stop() throws InterruptedException {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            cache.close();
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
