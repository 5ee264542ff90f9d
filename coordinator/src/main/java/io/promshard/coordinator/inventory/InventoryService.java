package io.promshard.coordinator.inventory;

import io.dropwizard.lifecycle.Managed;
import io.promshard.client.api.TargetGroup;
import io.promshard.service.Daemons;
import io.promshard.coordinator.relabel.Relabeling;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the inventory current: static groups from the configuration plus the file_sd files matched
 * by each job's globs, re-read when their size or modification time changes. A file that fails to
 * parse is refused with a log line naming it and the reason, and its last good content stays in
 * force; a glob whose directory cannot be listed keeps its last good files. A deleted file drops its
 * targets, as it does in Prometheus.
 *
 * <p>Lifecycle: LATENT, STARTED by {@link #start()} (which reads everything once before returning,
 * so {@link #current()} is initialized), CLOSED by {@link #stop()}. Listeners run on the refresh
 * thread and must not block.
 */
public final class InventoryService implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(InventoryService.class);

    private enum State { LATENT, STARTED, CLOSED }

    private record FileState(FileTime modified, long size, List<TargetGroup> groups) {
    }

    private final List<JobConfig> jobs;
    private final Duration refreshInterval;
    private final FileSdParser parser;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final AtomicReference<Inventory> current = new AtomicReference<>(Inventory.empty());
    private final AtomicLong refusals = new AtomicLong();
    private final Map<Path, FileState> files = new HashMap<>();
    private final Map<String, String> errors = new TreeMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<InventorySource> sources;
    private final LastGoodStore lastGood;
    private ScheduledExecutorService executor;
    private boolean wasReady;
    /** How long after a change notification the files are read: one refresh for a burst of events. */
    static final Duration WATCH_DELAY = Duration.ofMillis(100);
    private volatile DirectoryWatch watch;
    private final boolean watchDirectories;
    private final AtomicBoolean watchPending = new AtomicBoolean();
    /** Each configured job's relabel rules, compiled when its configuration was read (which refuses an invalid one). */
    private final Map<String, Relabeling> relabelings;
    /** The groups the current inventory was built from, to skip rebuilding it when a refresh finds them unchanged. */
    private Map<String, List<TargetGroup>> lastInputs = Map.of();

    public InventoryService(List<JobConfig> jobs, Duration refreshInterval, FileSdParser parser) {
        this(jobs, refreshInterval, parser, List.of());
    }

    /**
     * @param sources further sources (REST-managed, http_sd), started and closed with this service; their
     *                groups are added to the configured jobs' (a job only they name is a job too)
     */
    public InventoryService(List<JobConfig> jobs, Duration refreshInterval, FileSdParser parser,
                            List<InventorySource> sources) {
        this(jobs, refreshInterval, parser, sources, LastGoodStore.none());
    }

    /**
     * @param lastGood where each file's last good content is kept, so that a file refused the first time
     *                 this process reads it (a restart while it is broken) keeps the content a previous
     *                 coordinator accepted
     */
    public InventoryService(List<JobConfig> jobs, Duration refreshInterval, FileSdParser parser,
                            List<InventorySource> sources, LastGoodStore lastGood) {
        this(jobs, refreshInterval, parser, sources, lastGood, true);
    }

    /**
     * @param watchDirectories whether changes in the globbed directories are read when the file system
     *                         reports them (else only every {@code refreshInterval}; for measuring)
     */
    public InventoryService(List<JobConfig> jobs, Duration refreshInterval, FileSdParser parser,
                            List<InventorySource> sources, LastGoodStore lastGood, boolean watchDirectories) {
        this.watchDirectories = watchDirectories;
        this.lastGood = lastGood;
        this.jobs = List.copyOf(jobs);
        Map<String, Relabeling> rules = new HashMap<>();
        for (JobConfig job : jobs) {
            rules.put(job.getName(), job.relabeling());
        }
        this.relabelings = Map.copyOf(rules);
        this.refreshInterval = refreshInterval;
        this.parser = parser;
        this.sources = List.copyOf(sources);
    }

    /** Whether every source has read once: before, the inventory may lack targets it will have. */
    public boolean isReady() {
        return sources.stream().allMatch(InventorySource::isReady);
    }

    /** Refusals of the files and of every other source since start. */
    public long totalRefusals() {
        return refusals.get() + sources.stream().mapToLong(InventorySource::refusals).sum();
    }

    /** Called after every change of the inventory's content. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public Inventory current() {
        return current.get();
    }

    /** Files refused since start. */
    public long refusals() {
        return refusals.get();
    }

    /** The current error per file, glob or other source, for display. */
    public Map<String, String> errors() {
        Map<String, String> out = new TreeMap<>();
        synchronized (this) {
            out.putAll(errors);
        }
        sources.forEach(s -> out.putAll(s.errors()));
        return Map.copyOf(out);
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("InventoryService cannot be started more than once");
        }
        executor = Daemons.singleThread("promshard-inventory");
        for (InventorySource source : sources) {
            source.addListener(() -> executor.execute(this::refreshQuietly));
            try {
                source.start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start inventory source: " + e.getMessage(), e);
            }
        }
        refresh();
        watchDirectories();
        long ms = Math.max(1, refreshInterval.toMillis());
        executor.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * A change in a globbed directory is read within {@link #WATCH_DELAY} (events arriving meanwhile
     * join the same refresh); the refresh interval only bounds what a lost notification can delay.
     */
    private void watchDirectories() {
        List<String> globs = jobs.stream().flatMap(j -> j.getFiles().stream()).toList();
        if (globs.isEmpty() || !watchDirectories) {
            return;
        }
        try {
            watch = DirectoryWatch.start(globs, () -> {
                if (watchPending.compareAndSet(false, true)) {
                    executor.schedule(() -> {
                        watchPending.set(false);
                        refreshQuietly();
                    }, WATCH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot watch the inventory directories ({}); files are re-read every {}", e.toString(),
                    refreshInterval);
        }
    }

    @Override
    public void stop() {
        if (state.getAndSet(State.CLOSED) == State.STARTED && executor != null) {
            executor.shutdownNow();
            if (watch != null) {
                watch.close();
            }
        }
        sources.forEach(InventorySource::close);
    }

    private void refreshQuietly() {
        try {
            if (watch != null) {
                watch.watchMissing(); // a directory created since: watched from now on
            }
            refresh();
        } catch (RuntimeException e) {
            LOG.error("inventory refresh failed; the last good inventory stays in force", e);
        }
    }

    /** Re-reads every source once; visible for tests that do not want to wait for the interval. */
    public synchronized void refresh() {
        Map<String, List<TargetGroup>> byJob = new LinkedHashMap<>();
        Set<Path> live = new HashSet<>();
        for (JobConfig job : jobs) {
            List<TargetGroup> groups = new ArrayList<>(job.getStaticGroups());
            for (String glob : job.getFiles()) {
                groups.addAll(readGlob(job.getName(), glob, live));
            }
            byJob.put(job.getName(), groups);
        }
        for (InventorySource source : sources) {
            source.groups().forEach((job, groups) -> byJob.computeIfAbsent(job, j -> new ArrayList<>())
                    .addAll(withMetaLabels(job, source.metaLabels(), groups)));
        }
        files.keySet().retainAll(live);
        Inventory before = current.get();
        // unchanged files give back their parsed groups (the same instances): no new inventory to build,
        // hash and compare, which at a million targets costs a second of CPU and hundreds of MB of garbage
        Inventory next = sameGroups(byJob, lastInputs) ? before : new Inventory(relabelled(byJob));
        lastInputs = byJob;
        if (!before.digest().equals(next.digest())) {
            // an unchanged inventory keeps its instance: the leader recognises it by identity and reuses
            // what it derived from it (the hashed target set, the key positions) instead of rebuilding them
            current.set(next);
        }
        boolean ready = isReady();
        if (ready && !wasReady) {
            wasReady = true;
            listeners.forEach(Runnable::run);
        } else if (!before.digest().equals(next.digest())) {
            LOG.info("inventory changed: {} jobs, {} targets (was {})", next.jobs().size(), next.targetCount(),
                    before.targetCount());
            listeners.forEach(Runnable::run);
        }
    }

    /** Each job's groups after its relabel rules (a job without rules as it is). */
    private Map<String, List<TargetGroup>> relabelled(Map<String, List<TargetGroup>> byJob) {
        Map<String, List<TargetGroup>> out = new LinkedHashMap<>();
        byJob.forEach((job, groups) -> out.put(job, relabelings.getOrDefault(job, Relabeling.none()).applyTo(job, groups)));
        return out;
    }

    /** Same jobs with the same groups in the same order (compared by identity first, then by value). */
    private static boolean sameGroups(Map<String, List<TargetGroup>> a, Map<String, List<TargetGroup>> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, List<TargetGroup>> e : a.entrySet()) {
            List<TargetGroup> other = b.get(e.getKey());
            if (other == null || other.size() != e.getValue().size()) {
                return false;
            }
            for (int i = 0; i < other.size(); i++) {
                TargetGroup x = e.getValue().get(i);
                TargetGroup y = other.get(i);
                if (x != y && !x.equals(y)) {
                    return false;
                }
            }
        }
        return true;
    }

    private List<TargetGroup> readGlob(String job, String glob, Set<Path> live) {
        List<Path> matched;
        try {
            matched = GlobFiles.expand(glob);
            errors.remove("job=" + job + " glob=" + glob);
        } catch (IOException e) {
            String message = "job=" + job + " glob=" + glob + ": cannot list: " + e.getMessage()
                    + "; keeping the last good files";
            if (errors.put("job=" + job + " glob=" + glob, message) == null) {
                LOG.error(message);
            }
            PathMatcher matcher = FileSystems.getDefault()
                    .getPathMatcher("glob:" + Path.of(glob).toAbsolutePath().normalize());
            matched = files.keySet().stream().filter(matcher::matches).sorted().toList();
            List<TargetGroup> kept = new ArrayList<>();
            matched.forEach(p -> {
                live.add(p);
                kept.addAll(files.get(p).groups());
            });
            return kept;
        }
        List<TargetGroup> groups = new ArrayList<>();
        for (Path file : matched) {
            live.add(file);
            groups.addAll(readFile(job, file));
        }
        return groups;
    }

    /**
     * Prometheus gives a file's groups the label {@code __meta_filepath} before relabelling: a job
     * with relabel rules gets it too, so that rules reading it mean the same (it is removed after).
     */
    private List<TargetGroup> withFilePath(String job, Path file, List<TargetGroup> groups) {
        return withMetaLabels(job, Map.of("__meta_filepath", file.toString()), groups);
    }

    /** {@code meta} added to each group of a job with relabel rules (a job without them is left as read). */
    private List<TargetGroup> withMetaLabels(String job, Map<String, String> meta, List<TargetGroup> groups) {
        if (meta.isEmpty() || relabelings.getOrDefault(job, Relabeling.none()).isEmpty()) {
            return groups;
        }
        List<TargetGroup> out = new ArrayList<>(groups.size());
        for (TargetGroup g : groups) {
            TreeMap<String, String> labels = new TreeMap<>(g.labels());
            labels.putAll(meta);
            out.add(TargetGroup.of(g.targets(), labels));
        }
        return out;
    }

    private List<TargetGroup> readFile(String job, Path file) {
        FileState previous = files.get(file);
        List<TargetGroup> lastGood = previous == null ? List.of() : previous.groups();
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(file);
            size = Files.size(file);
        } catch (IOException e) {
            refuse(job, file, file + ": cannot stat: " + e.getMessage(), previous != null
                    ? "its last good content stays in force" : "the file contributes no targets");
            return lastGood;
        }
        if (previous != null && previous.modified().equals(modified) && previous.size() == size) {
            return previous.groups();
        }
        try {
            List<TargetGroup> groups = withFilePath(job, file, parser.parse(file));
            files.put(file, new FileState(modified, size, groups));
            this.lastGood.remember(file.toString(), groups);
            if (errors.remove(file.toString()) != null) {
                LOG.info("job={} {}: accepted again ({} groups)", job, file, groups.size());
            }
            return groups;
        } catch (InventoryException e) {
            String kept = "its last good content stays in force";
            if (previous == null) {
                // never read well in this process: the content a coordinator accepted before, if kept
                Optional<List<TargetGroup>> stored = this.lastGood.read(file.toString());
                lastGood = stored.orElse(List.of());
                kept = stored.isPresent() ? "its last good content (kept in ZooKeeper) stays in force"
                        : "the file contributes no targets";
            }
            // remember this version as seen, so it is refused (and counted) once, not at every refresh
            files.put(file, new FileState(modified, size, lastGood));
            refuse(job, file, e.getMessage(), kept);
            return lastGood;
        }
    }

    private void refuse(String job, Path file, String message, String outcome) {
        refusals.incrementAndGet();
        errors.put(file.toString(), message);
        LOG.error("job={} refused {}; {}", job, message, outcome);
    }
}
