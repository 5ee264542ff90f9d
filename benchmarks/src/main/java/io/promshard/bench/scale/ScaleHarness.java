package io.promshard.bench.scale;

import io.promshard.client.Json;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.metrics.Histogram;
import io.promshard.client.rest.CoordinatorClient;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.testing.Processes;
import io.promshard.client.zk.ZkLayout;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.Watcher;

/**
 * {@code promshard-benchmarks scale}: a real ZooKeeper process, the packaged coordinator as its own
 * process, many lightweight sidecars (each a real Curator session, see {@link LightSidecar}) and one
 * real sidecar process; then repeated joins, graceful leaves and drains. Prints one JSON object:
 * event-to-applied times, ZooKeeper bytes per rebalance against a full republish, znodes, watches
 * and which sidecars woke, coordinator heap and CPU, the real sidecar's heap.
 */
public final class ScaleHarness {

    private static final String TOKEN = "scale-token";
    private static final String CLUSTER = "scale";
    /** No epoch for this long: every run an event caused is over (a run takes well under it). */
    private static final long QUIET_MS = 3_000;
    private static final long SWEEP_MS = 250;
    /**
     * How often the harness asks the coordinator's status API while it waits. Every figure it reports
     * is timed by the sidecars themselves, so this sets only the harness's own load on the coordinator
     * (at 50 polls a second the API threads took a quarter of the coordinator's CPU during events, at
     * 10 still a fifth).
     */
    private static final long POLL_MS = 250;
    private long lastSweep;
    /** Picks the workers that leave and are drained; seeded by --seed. */
    private Random eventRandom;
    /** Joins so far: the nth join's worker is j{n}. */
    private int joined;

    private final Map<String, String> opts;
    private final PrintStream err;
    private final Map<String, LightSidecar> sidecars = new TreeMap<>();
    private boolean closed;
    private ExecutorService pool;
    /** The light sidecars' simulated first scrapes, after which they acknowledge. */
    private final ScheduledExecutorService scrapes = Executors.newScheduledThreadPool(2);
    private Processes procs;
    private CoordinatorClient api;
    private URI apiBase;
    private URI sidecarBase;
    /** How long each light sidecar took to read and decode each share it applied. */
    private final Histogram lightApply = new Histogram(Histogram.SECONDS);
    private CuratorFramework observer;
    private ZkLayout layout;
    private String connect;
    private int zkPort;
    private long coordinatorPid;
    private long sidecarPid;

    private ScaleHarness(Map<String, String> opts, PrintStream err) {
        this.opts = opts;
        this.err = err;
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Map<String, String> opts = new HashMap<>(Map.of("workers", "100", "targets", "100000", "events", "5",
                "settle-ms", "200", "root", ".", "pool", "8", "seed", "1", "coordinator-heap", "1g",
                "sidecar-heap", "128m"));
        opts.putAll(Map.of("api-clients", "50", "scrape-interval-ms", "10000", "warmup-rounds", "2"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                err.println("scale: expected --option value, found " + args[i]);
                return 2;
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        ScaleHarness h = new ScaleHarness(opts, err);
        // a harness stopped by a signal (kill, Ctrl-C) stops its processes too: left running, the
        // coordinators and ZooKeepers of stopped runs took CPU from the runs after them
        Thread stopOnSignal = new Thread(h::close, "scale-harness-stop");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try {
            out.println(Json.mapper().writeValueAsString(h.measure()));
            return 0;
        } finally {
            h.close(); // the hook stays until this is done: a signal during it still stops the processes
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is stopping everything already
            }
        }
    }

    private int opt(String name) {
        return Integer.parseInt(opts.get(name));
    }

    /**
     * One run: the processes started (ZooKeeper, the coordinator, the light sidecars and one real
     * one), the fleet's start-up timed, then the events measured, as one JSON object.
     */
    private Map<String, Object> measure() throws Exception {
        int workers = opt("workers");
        int targets = opt("targets");
        int settleMs = opt("settle-ms");
        Path root = Path.of(opts.get("root")).toAbsolutePath();
        Path dir = Files.createTempDirectory("promshard-scale");
        procs = new Processes(dir, Duration.ofSeconds(60)); // time for a flight recording to be written
        pool = Executors.newFixedThreadPool(opt("pool"));
        layout = ZkLayout.forCluster(CLUSTER);
        writeInventory(dir.resolve("inventory"), targets);
        Path coordinatorJar = root.resolve("coordinator/target/promshard-coordinator.jar");
        startZooKeeper(coordinatorJar);
        startCoordinator(dir, coordinatorJar, settleMs);

        long t = System.currentTimeMillis();
        startWorkers(workers, dir, root);
        await(workers + " workers registered", 1_200_000, () -> registered(workers));
        long lastRegistered = System.currentTimeMillis();
        await(workers + " workers applying shares that own every target", 1_200_000, () -> applied(workers));
        long coldStartMs = System.currentTimeMillis() - lastRegistered;
        await(workers + " workers holding every target", 1_200_000, () -> settled(workers));
        long handedOffMs = System.currentTimeMillis() - lastRegistered;
        awaitQuiet(QUIET_MS);
        long startupMs = System.currentTimeMillis() - t;
        err.printf("scale: %d workers, %d targets settled in %d ms; after the last registration every target owned "
                + "and every share applied in %d ms, every hand-off ended in %d ms%n", workers, targets, startupMs,
                coldStartMs, handedOffMs);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("workers", workers);
        result.put("targets", targets);
        result.put("settle_ms", settleMs);
        result.put("warmup_rounds", opt("warmup-rounds"));
        result.put("startup_ms", startupMs);
        result.put("cold_start_after_last_registration_ms", coldStartMs);
        result.put("cold_start_handoffs_ended_after_last_registration_ms", handedOffMs);
        long fullBytes = fullRepublishBytes();
        result.put("full_republish_bytes", fullBytes);
        result.put("zookeeper_after_startup", zkFigures());
        eventRandom = new Random(Long.parseLong(opts.get("seed")));
        Map<String, List<Map<String, Object>>> byKind;
        double cpu0;
        double jitBefore;
        PhaseTimes phasesBefore;
        try (ApiLoad load = new ApiLoad(apiBase, opt("api-clients"))) {
            load.start(Long.parseLong(opts.get("seed")));
            // unmeasured rounds under the same load first: a coordinator that just started compiles its
            // event paths and, once the clients start, its API's, and their first requests fill its caches
            // (coverage's share indexes). One round was too few: the JIT still compiled at the first
            // measured join, whose leader run took two to ten times the later joins' (docs/scale.md, round 5)
            double jit0 = jitSeconds(coordinatorPid);
            runEvents(opt("warmup-rounds"));
            jitBefore = jitSeconds(coordinatorPid);
            result.put("coordinator_jit_seconds_during_warmup", round(jitBefore - jit0));
            cpu0 = Processes.cpuSeconds(coordinatorPid);
            phasesBefore = phaseTimes();
            load.reset();
            byKind = runEvents(opt("events"));
            result.put("api_load_during_events", load.figures());
        }
        result.put("coordinator_cpu_seconds_during_events", round(Processes.cpuSeconds(coordinatorPid) - cpu0));
        result.put("coordinator_jit_seconds_during_events", round(jitSeconds(coordinatorPid) - jitBefore));
        result.put("phases_during_events", phaseTimes().minus(phasesBefore));
        Map<String, Object> events = new LinkedHashMap<>();
        byKind.forEach((kind, list) -> events.put(kind, summarize(list, fullBytes, settleMs)));
        result.put("events", events);
        result.put("zookeeper_after_events", zkFigures());
        result.put("coordinator_heap_mib_after_gc", heapMiB(coordinatorPid));
        result.put("sidecar_heap_mib_after_gc", heapMiB(sidecarPid));
        result.put("seed", opts.get("seed"));
        return result;
    }

    /** ZooKeeper as its own process from the coordinator jar, and the harness's own client of it. */
    private void startZooKeeper(Path coordinatorJar) throws Exception {
        zkPort = Processes.freePort();
        procs.zooKeeper(coordinatorJar, zkPort, List.of("-Xmx2g"),
                List.of("tickTime=2000", "maxClientCnxns=0", "snapCount=1000000"), Duration.ofSeconds(60));
        connect = "127.0.0.1:" + zkPort;
        observer = CuratorFrameworkFactory.newClient(connect, new ExponentialBackoffRetry(200, 10));
        observer.start();

    }

    /** The packaged coordinator as its own process, and the API client the harness watches it with. */
    private void startCoordinator(Path dir, Path coordinatorJar, int settleMs) throws Exception {
        int apiPort = Processes.freePort();
        Files.writeString(dir.resolve("coordinator.yml"), """
                coordinatorId: c1
                zookeeper: {connectString: "%s", cluster: %s, sessionTimeout: 30s}
                inventory:
                  refreshInterval: 5s
                  jobs: [{name: node, files: ["%s/*.json"]}]
                assignment: {settleTime: %dms, reassignmentDelay: 10s, handoffTimeout: 60s}
                api: {token: %s}
                outputDirectory: %s
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                logging:
                  level: INFO
                  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
                """.formatted(connect, CLUSTER, dir.resolve("inventory"), settleMs, TOKEN, dir.resolve("out"), apiPort,
                Processes.freePort()));
        List<String> coordinatorArgs = new ArrayList<>(List.of("-Xmx" + opts.get("coordinator-heap"), "-XX:+UseG1GC"));
        // e.g. --coordinator-jvm "-XX:StartFlightRecording=filename=/tmp/c.jfr" to profile the leader
        String extra = opts.getOrDefault("coordinator-jvm", "").trim();
        if (!extra.isEmpty()) {
            coordinatorArgs.addAll(List.of(extra.split("\\s+")));
        }
        coordinatorArgs.addAll(List.of("-jar", coordinatorJar.toString(), "server", dir.resolve("coordinator.yml").toString()));
        coordinatorPid = procs.java("coordinator", coordinatorArgs).pid();
        apiBase = URI.create("http://127.0.0.1:" + apiPort);
        api = new CoordinatorClient(apiBase, TOKEN);
        await("the coordinator leading", 300_000, () -> {
            try {
                return api.status().isLeader();
            } catch (Exception e) {
                return false;
            }
        });

    }

    /** {@code workers - 1} light sidecars in the harness, and one real sidecar process. */
    private void startWorkers(int workers, Path dir, Path root) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i < workers; i++) {
            ids.add(String.format("w%04d", i));
        }
        ids.parallelStream().forEach(this::startLight);
        int sidecarPort = Processes.freePort();
        sidecarBase = URI.create("http://127.0.0.1:" + sidecarPort);
        Files.writeString(dir.resolve("sidecar.yml"), """
                zookeeper: {connectString: "%s", cluster: %s, sessionTimeout: 30s}
                worker: {id: w-real}
                prometheus: {enabled: false}
                outputDirectory: %s
                server:
                  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: %d}]
                logging: {level: WARN}
                """.formatted(connect, CLUSTER, dir.resolve("real-sidecar"), sidecarPort, Processes.freePort()));
        sidecarPid = procs.java("sidecar", List.of("-Xmx" + opts.get("sidecar-heap"), "-XX:+UseG1GC", "-jar",
                root.resolve("worker-sidecar/target/promshard-worker-sidecar.jar").toString(), "server",
                dir.resolve("sidecar.yml").toString())).pid();
    }

    /** {@code events} rounds of a join, a graceful leave and a drain, by kind. */
    private Map<String, List<Map<String, Object>>> runEvents(int rounds) throws Exception {
        Map<String, List<Map<String, Object>>> byKind = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (String kind : List.of("join", "leave", "drain")) {
                byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(event(kind, eventRandom, ++joined));
            }
        }
        return byKind;
    }

    private void startLight(String id) {
        LightSidecar s = new LightSidecar(connect, layout, id, pool, lightApply, scrapes, opt("scrape-interval-ms"));
        synchronized (sidecars) {
            sidecars.put(id, s);
        }
        s.start();
    }

    /** The coordinator counts {@code expectedWorkers} live workers. */
    private boolean registered(int expectedWorkers) {
        try {
            return api.status().workers() == expectedWorkers;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The histograms of where time goes, as exposed: the leader's phases on the coordinator's
     * {@code /metrics}, the real sidecar's apply on its own, and the light sidecars' apply.
     */
    private record PhaseTimes(Map<String, Histogram.Snapshot> leader, Histogram.Snapshot sidecar,
                              Histogram.Snapshot light) {

        /** What was observed since {@code earlier}, as figures by phase. */
        Map<String, Object> minus(PhaseTimes earlier) {
            Map<String, Object> out = new LinkedHashMap<>();
            Map<String, Object> leaderPhases = new LinkedHashMap<>();
            leader.forEach((phase, h) -> leaderPhases.put(phase, ExposedHistograms.figures(
                    earlier.leader.containsKey(phase) ? h.minus(earlier.leader.get(phase)) : h)));
            out.put("leader", leaderPhases);
            out.put("real_sidecar_apply", ExposedHistograms.figures(sidecar.minus(earlier.sidecar)));
            out.put("light_sidecar_apply", ExposedHistograms.figures(light.minus(earlier.light)));
            return out;
        }
    }

    private PhaseTimes phaseTimes() throws Exception {
        Map<String, Histogram.Snapshot> leader = ExposedHistograms.parse(text(apiBase.resolve("/metrics")),
                "promshard_leader_phase_duration_seconds", "phase");
        Histogram.Snapshot sidecar = ExposedHistograms.parse(text(sidecarBase.resolve("/metrics")),
                "promshard_sidecar_apply_duration_seconds", "phase").getOrDefault("",
                new Histogram(Histogram.SECONDS).snapshot());
        return new PhaseTimes(leader, sidecar, lightApply.snapshot());
    }

    private static String text(URI uri) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(uri + " answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * Every target owned (nothing unassigned, no move deferred) and every live worker applied its
     * published share; hand-offs may still be open (previous owners keep scraping until confirmed).
     */
    private boolean applied(int expectedWorkers) {
        try {
            var status = api.status();
            return status.workers() == expectedWorkers && status.unassigned() == 0 && status.deferredMoves() == 0
                    && status.lastRebalance() != null && sweep();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Every live worker applied its published share, and no hand-off or deferred move is pending. The
     * sweep over every worker's manifest runs at most every {@value #SWEEP_MS} ms: it is the harness's
     * own load on ZooKeeper, and the applied times it would perturb are measured by the sidecars.
     */
    private boolean settled(int expectedWorkers) {
        try {
            var status = api.status();
            if (status.workers() != expectedWorkers || status.handoffs() != 0 || status.deferredMoves() != 0
                    || status.unassigned() != 0 || status.lastRebalance() == null) {
                return false;
            }
            return sweep();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Whether every light sidecar applied the manifest published for it (at most one sweep every
     * {@value #SWEEP_MS} ms: a sweep reads every manifest, the harness's own load on ZooKeeper); a
     * manifest not there yet fails the read, and the sweep with it.
     */
    private boolean sweep() throws Exception {
        if (System.currentTimeMillis() - lastSweep < SWEEP_MS) {
            return false;
        }
        lastSweep = System.currentTimeMillis();
        synchronized (sidecars) {
            for (LightSidecar s : sidecars.values()) {
                byte[] data = observer.getData().forPath(layout.assignment(s.id));
                if (!ShareCodec.decodeManifest(s.id, data).sha256().equals(s.appliedSha())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Waits until no epoch was published for {@code quietMs} and for three times the last run's
     * duration (a run that is computing publishes nothing until it ends): the previous event is over.
     */
    private void awaitQuiet(long quietMs) throws Exception {
        long epoch = api.status().epoch();
        long since = System.currentTimeMillis();
        while (System.currentTimeMillis() - since < Math.max(quietMs, 3 * lastRunMillis())) {
            Thread.sleep(POLL_MS);
            long now = api.status().epoch();
            if (now != epoch) {
                epoch = now;
                since = System.currentTimeMillis();
            }
        }
    }

    private long lastRunMillis() throws Exception {
        RebalanceEvent last = api.status().lastRebalance();
        return last == null ? 0 : last.durationMillis();
    }

    /** An event under way: the worker it is about, and the thread of a graceful leave. */
    private record Started(String subject, Thread leaving) {
    }

    /**
     * One event of {@code kind} (the {@code n}th join names its worker {@code j<n>}), measured from
     * the moment it is started until every changed worker applied the epochs it caused.
     */
    private Map<String, Object> event(String kind, Random random, int n) throws Exception {
        awaitQuiet(QUIET_MS);
        long before = api.status().epoch();
        Map<String, Integer> wakeups = new HashMap<>();
        synchronized (sidecars) {
            sidecars.forEach((id, s) -> wakeups.put(id, s.wakeups.get()));
        }
        long t0 = System.currentTimeMillis();
        String joining = String.format("j%04d", n);
        AtomicLong registeredAt = new AtomicLong();
        if (kind.equals("join")) {
            // a join's event is its registration: the new sidecar's own connecting comes before it
            observer.checkExists().usingWatcher((Watcher) e -> registeredAt.set(System.currentTimeMillis()))
                    .forPath(layout.worker(joining));
        }
        Started started = start(kind, random, n);
        String subject = started.subject();
        int expected = sidecars.size() + 1; // the light ones now, and the real sidecar
        LightSidecar joiner = kind.equals("join") ? sidecars.get(subject) : null;
        LightSidecar drained = kind.equals("drain") ? sidecars.get(subject) : null;
        await(kind + " of " + subject + " settled", 300_000, () -> {
            try {
                return api.status().epoch() > before && (joiner == null || joiner.appliedTargets() > 0)
                        && (drained == null || drained.appliedTargets() == 0) && settled(expected);
            } catch (Exception e) {
                return false;
            }
        });
        if (started.leaving() != null) {
            started.leaving().join(60_000);
        }
        awaitQuiet(QUIET_MS); // the event's trailing runs (a departed worker's share removed) count too
        Map<String, Object> e = figures(subject, before, registeredAt.get() > 0 ? registeredAt.get() : t0, wakeups);
        if (registeredAt.get() > 0) {
            e.put("registered_ms", registeredAt.get() - t0);
        }
        if (kind.equals("drain")) {
            api.undrain(subject); // back to where it was; the undrain is not measured
            await("undrain of " + subject + " settled", 300_000, () -> drained.appliedTargets() > 0 && settled(expected));
        }
        err.println("scale: " + kind + " " + Json.mapper().writeValueAsString(e));
        return e;
    }

    /** Starts the event: a light sidecar joins, a random one leaves gracefully, or one is drained. */
    private Started start(String kind, Random random, int n) throws Exception {
        List<String> live;
        synchronized (sidecars) {
            live = new ArrayList<>(sidecars.keySet());
        }
        switch (kind) {
            case "join" -> {
                String subject = String.format("j%04d", n); // as event() expects it
                startLight(subject);
                return new Started(subject, null);
            }
            case "leave" -> {
                String subject = live.get(random.nextInt(live.size()));
                LightSidecar s;
                synchronized (sidecars) {
                    s = sidecars.remove(subject);
                }
                Thread leaving = new Thread(() -> {
                    try {
                        s.leave();
                    } catch (Exception e) {
                        err.println("scale: leave of " + subject + " failed: " + e);
                    }
                });
                leaving.start();
                return new Started(subject, leaving);
            }
            case "drain" -> {
                String subject = live.get(random.nextInt(live.size()));
                api.drain(subject, "scale benchmark");
                return new Started(subject, null);
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /**
     * What the epochs after {@code before} did, from the coordinator's events and the sidecars' own
     * timings: applied (the first epoch's changed workers applied it), completed (every changed
     * worker applied its last epoch), moves, bytes, and the sidecars woken.
     */
    private Map<String, Object> figures(String subject, long before, long t0, Map<String, Integer> wakeups)
            throws Exception {
        List<RebalanceEvent> after = api.events().stream().filter(e -> e.epoch() > before).toList();
        long firstEpoch = after.stream().mapToLong(RebalanceEvent::epoch).min().orElseThrow();
        long bytes = after.stream().mapToLong(RebalanceEvent::bytesWritten).sum();
        long moved = after.stream().mapToLong(RebalanceEvent::moved).sum();
        Set<String> changed = new HashSet<>();
        after.forEach(e -> changed.addAll(e.changedWorkers()));
        RebalanceEvent first = after.stream().filter(e -> e.epoch() == firstEpoch).findFirst().orElseThrow();
        Set<String> firstChanged = new HashSet<>(first.changedWorkers());
        long applied = 0;
        String lastToApply = "";
        long completed = 0;
        Set<String> woken = new HashSet<>();
        synchronized (sidecars) {
            for (LightSidecar s : sidecars.values()) {
                long appliedAfter = firstAppliedAtOrAfter(s, firstEpoch) - t0;
                if (firstChanged.contains(s.id) && appliedAfter > applied) {
                    applied = appliedAfter;
                    lastToApply = s.id;
                }
                if (changed.contains(s.id)) {
                    completed = Math.max(completed, firstAppliedAtOrAfter(s, s.appliedEpoch()) - t0);
                }
                if (s.wakeups.get() != wakeups.getOrDefault(s.id, 0)) {
                    woken.add(s.id);
                }
            }
        }
        Set<String> unexpected = new HashSet<>(woken);
        unexpected.removeAll(changed);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("worker", subject);
        e.put("epochs", after.size());
        e.put("applied_ms", applied);
        // where an event's time went: until the leader's first epoch was published, then the readers
        e.put("first_epoch_published_ms", first.timeMillis() - t0);
        e.put("last_to_apply", lastToApply);
        e.put("completed_ms", completed);
        e.put("moved", moved);
        e.put("changed_workers", changed.size());
        e.put("bytes_written", bytes);
        e.put("woken_sidecars", woken.size());
        e.put("woken_not_changed", unexpected.size());
        return e;
    }

    private static long firstAppliedAtOrAfter(LightSidecar s, long epoch) {
        return s.appliedAt.entrySet().stream().filter(x -> x.getKey() >= epoch).min(Map.Entry.comparingByKey())
                .map(Map.Entry::getValue).orElse(Long.MAX_VALUE / 2);
    }

    private Map<String, Object> summarize(List<Map<String, Object>> list, long fullBytes, long settleMs) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("count", list.size());
        for (String key : List.of("applied_ms", "completed_ms")) {
            List<Long> v = list.stream().map(m -> (Long) m.get(key)).sorted().toList();
            s.put(key + "_p50", v.get((v.size() - 1) / 2));
            s.put(key + "_p99", v.get((int) Math.ceil(0.99 * v.size()) - 1));
        }
        // the goal excludes the configured settle time (the wait that gathers an event's changes into one run)
        s.put("applied_ms_p99_excluding_settle", Math.max(0, (Long) s.get("applied_ms_p99") - settleMs));
        double bytes = list.stream().mapToLong(m -> (Long) m.get("bytes_written")).average().orElse(0);
        s.put("bytes_written_mean", Math.round(bytes));
        s.put("bytes_over_full_republish", round(bytes / fullBytes));
        s.put("moved_mean", Math.round(list.stream().mapToLong(m -> (Long) m.get("moved")).average().orElse(0)));
        s.put("changed_workers_mean", Math.round(list.stream().mapToInt(m -> (Integer) m.get("changed_workers"))
                .average().orElse(0)));
        s.put("woken_not_changed_max", list.stream().mapToInt(m -> (Integer) m.get("woken_not_changed")).max()
                .orElse(0));
        s.put("runs", list);
        return s;
    }

    /** What rewriting every worker's share whole writes: each share encoded whole, its chunks and its manifest. */
    private long fullRepublishBytes() throws Exception {
        long bytes = 0;
        ShareCodec codec = new ShareCodec();
        ShareReader reader = new ShareReader(observer, layout, codec);
        for (String worker : observer.getChildren().forPath(layout.assignments())) {
            Optional<ShareReader.Published> p = reader.read(worker);
            if (p.isPresent()) {
                ShareCodec.Encoded whole = codec.encode(p.get().share(), p.get().manifest().epoch());
                bytes += ShareCodec.encodeManifest(whole.manifest()).length;
                bytes += whole.chunks().stream().mapToLong(c -> c.length).sum();
            }
        }
        return bytes;
    }

    private Map<String, Object> zkFigures() {
        Map<String, String> m = Processes.mntr(zkPort);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : List.of("zk_znode_count", "zk_watch_count", "zk_num_alive_connections",
                "zk_approximate_data_size")) {
            out.put(k.substring(3), m.containsKey(k) ? Long.parseLong(m.get(k)) : -1);
        }
        out.put("wchs", Processes.fourLetter(zkPort, "wchs").replace('\n', ' '));
        return out;
    }

    /** Heap in use after a full collection, from jcmd. */
    private static double heapMiB(long pid) {
        try {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor(60,
                    TimeUnit.SECONDS);
            Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(60, TimeUnit.SECONDS);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
            return m.find() ? round(Long.parseLong(m.group(1)) / 1024.0) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * The time {@code pid}'s JIT compilers have spent so far, from jcmd's performance counters
     * ({@code java.ci.totalTime} in ticks of {@code sun.os.hrt.frequency}); -1 when unreadable. A
     * measured phase that compiles much is not yet the steady state a long-running coordinator is in.
     */
    private static double jitSeconds(long pid) {
        try {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            Process p = new ProcessBuilder(jcmd, Long.toString(pid), "PerfCounter.print").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(60, TimeUnit.SECONDS);
            java.util.regex.Matcher ticks = java.util.regex.Pattern.compile("java\\.ci\\.totalTime=(\\d+)").matcher(out);
            java.util.regex.Matcher hz = java.util.regex.Pattern.compile("sun\\.os\\.hrt\\.frequency=(\\d+)").matcher(out);
            return ticks.find() && hz.find() ? (double) Long.parseLong(ticks.group(1)) / Long.parseLong(hz.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Polls {@code condition} every 20 ms until it holds; the processes offer no event to wait on. */
    private void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + "; coordinator log:\n"
                        + procs.get("coordinator").tail());
            }
            Thread.sleep(POLL_MS);
        }
    }

    private static void writeInventory(Path dir, int targets) throws Exception {
        Files.createDirectories(dir);
        int perFile = 10_000;
        for (int f = 0; f * perFile < targets; f++) {
            StringBuilder sb = new StringBuilder("[{\"labels\": {\"rack\": \"r" + f + "\"}, \"targets\": [");
            for (int i = f * perFile; i < Math.min(targets, (f + 1) * perFile); i++) {
                sb.append(i == f * perFile ? "" : ",").append("\"10.").append((i >> 16) & 255).append('.')
                        .append((i >> 8) & 255).append('.').append(i & 255).append(":9100\"");
            }
            Files.writeString(dir.resolve("targets-" + f + ".json"), sb.append("]}]\n"));
        }
    }

    /**
     * Stops everything: the coordinator and the real sidecar first, so that the light sidecars'
     * departures trigger no rebalance (with the coordinator running, 1,000 departures took minutes
     * and overlapped the next run), then the light sidecars while ZooKeeper still answers, then the
     * rest. Once only: the signal hook and the normal end may both call it, and the later call waits
     * for the first to finish (the hook must not return, and the JVM halt, halfway).
     */
    private synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (procs != null) {
            for (String name : List.of("coordinator", "sidecar")) {
                stopProcess(name);
            }
        }
        synchronized (sidecars) {
            sidecars.values().parallelStream().forEach(LightSidecar::close);
        }
        if (observer != null) {
            observer.close();
        }
        if (procs != null) {
            try {
                procs.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pool != null) {
            pool.shutdownNow();
        }
        scrapes.shutdownNow();
    }

    /** Stops {@code name} if it runs; one that exited already (a JVM refusing its options) is no error here. */
    private void stopProcess(String name) {
        try {
            procs.get(name).close(); // not procs.alive(name): for an exited process it throws, and the rest stayed up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException notStarted) {
            // never started: nothing to stop
        }
    }

}
