package io.promshard.coordinator.cluster;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.dropwizard.util.Duration;
import io.promshard.client.Json;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.ClusterState;
import io.promshard.client.api.Share;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.PublishedShares;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ShareReader;
import io.promshard.client.zk.ZkLayout;
import io.promshard.coordinator.CoordinatorConfiguration;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentInvariants;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one fixture of the cluster tests, a JUnit 5 extension: per test, a real ZooKeeper
 * (curator-test's in-process server, or an ensemble when the test asks for one), a scratch
 * directory with a file_sd inventory of 500 targets in two jobs, the coordinators and sidecars the
 * test starts (made of their real components, each with its own ZooKeeper session) and, when the
 * test starts one, a {@link CoverageSampler}. Everything is closed after the test, sampler first,
 * ZooKeeper last.
 *
 * <pre>
 * &#64;RegisterExtension
 * final ClusterHarness cluster = new ClusterHarness();
 * </pre>
 *
 * ZooKeeper starts when the test first needs it: a single server, unless the test called
 * {@link #onEnsemble(int)} before.
 */
final class ClusterHarness implements BeforeEachCallback, AfterEachCallback {

    static final String CLUSTER = "it";
    static final java.time.Duration WAIT = java.time.Duration.ofSeconds(60);

    private Path tmp;
    private TestingServer server;
    private TestingCluster ensemble;
    private String connectString;
    private CuratorFramework observer;
    final ZkLayout layout = ZkLayout.forCluster(CLUSTER);
    final Map<String, TestSidecar> sidecars = new LinkedHashMap<>();
    private final List<RunningCoordinator> coordinators = new ArrayList<>();
    private CoverageSampler sampler;
    int targetCount;
    /** Job to the replication a test gave it ({@link #replication(String, int)}); absent jobs run at 1. */
    private final Map<String, Integer> jobReplication = new HashMap<>();

    record RunningCoordinator(CuratorFramework curator, InventoryService inventory, Coordinator coordinator)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            coordinator.stop();
            inventory.stop();
            curator.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        tmp = Files.createTempDirectory("promshard-cluster-");
        writeInventory();
    }

    /** Starts an ensemble of {@code servers} for this test; call it before anything uses ZooKeeper. */
    TestingCluster onEnsemble(int servers) {
        if (connectString != null) {
            throw new IllegalStateException("ZooKeeper is already running for this test");
        }
        ensemble = LoopbackZooKeeper.cluster(servers);
        connect(ensemble.getConnectString());
        return ensemble;
    }

    /** The single server of this test (started if it is not yet). */
    TestingServer server() {
        if (ensemble != null) {
            throw new IllegalStateException("this test runs on an ensemble");
        }
        connectString();
        return server;
    }

    private void connect(String connect) {
        connectString = connect;
        observer = new CoordinatorConfiguration().getZookeeper().buildCuratorFramework(connect);
        observer.start();
    }

    /** The scratch directory of this test: inventory, sidecars' files, coordinators' output. */
    Path dir() {
        return tmp;
    }

    /** A client of its own for the test to read and write ZooKeeper with. */
    CuratorFramework observer() {
        connectString();
        return observer;
    }

    /** Starts sampling coverage (see {@link CoverageSampler}); stopped after the test at the latest. */
    CoverageSampler sampleCoverage(long intervalMillis, long windowMillis) {
        if (sampler != null) {
            throw new IllegalStateException("one sampler per test");
        }
        sampler = CoverageSampler.start(this, intervalMillis, windowMillis);
        return sampler;
    }

    /** Whether {@code worker}'s registration is in ZooKeeper (true when ZooKeeper cannot tell now). */
    boolean registered(String worker) {
        try {
            return observer.checkExists().forPath(layout.worker(worker)) != null;
        } catch (Exception e) {
            return true;
        }
    }

    private void writeInventory() throws Exception {
        Files.createDirectories(tmp.resolve("inventory/node"));
        for (int file = 0; file < 2; file++) {
            writeInventoryFile(file);
        }
        Path api = Files.createDirectories(tmp.resolve("inventory/api"));
        StringBuilder json = new StringBuilder("[{\"labels\": {\"tier\": \"web\"}, \"targets\": [");
        for (int i = 0; i < 200; i++) {
            json.append(i == 0 ? "" : ",").append("\"10.1.").append(i / 100).append('.').append(i % 100).append(":8080\"");
        }
        Files.writeString(api.resolve("web.json"), json.append("]}]"));
        targetCount = 500;
    }

    /** Job node's inventory file {@code f<file>.yml} (0 or 1), 150 targets each. */
    Path inventoryFile(int file) {
        return tmp.resolve("inventory/node/f" + file + ".yml");
    }

    /** Writes {@link #inventoryFile} with its 150 targets, atomically (a reader never sees part of it). */
    void writeInventoryFile(int file) throws Exception {
        StringBuilder yaml = new StringBuilder("- labels: {env: test, file: f" + file + "}\n  targets:\n");
        for (int i = 0; i < 150; i++) {
            yaml.append("    - 127.0.0.").append(file + 1).append(':').append(9100 + i).append('\n');
        }
        writeAtomically(inventoryFile(file), yaml.toString());
    }

    /** Replaces {@code file} by a rename, as configuration management does. */
    static void writeAtomically(Path file, String content) throws Exception {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** The connect string of this test's ZooKeeper, started as a single server if nothing runs yet. */
    String connectString() {
        if (connectString == null) {
            try {
                server = LoopbackZooKeeper.start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start a ZooKeeper server", e);
            }
            connect(server.getConnectString());
        }
        return connectString;
    }

    /** A configuration tweak adding {@code endpoint}'s job, read over http_sd every 200 ms. */
    static Consumer<CoordinatorConfiguration> withHttpSdJob(StallingHttpSd endpoint) {
        return c -> {
            List<JobConfig> jobs = new ArrayList<>(c.getInventory().getJobs());
            JobConfig job = new JobConfig(endpoint.job(), List.of(), List.of());
            job.getHttpSd().add(new JobConfig.HttpSd(endpoint.url().toString(), Duration.milliseconds(200)));
            jobs.add(job);
            c.getInventory().setJobs(jobs);
        };
    }

    RunningCoordinator coordinator(String id) throws Exception {
        return coordinator(id, c -> { });
    }

    RunningCoordinator coordinator(String id, Consumer<CoordinatorConfiguration> tweak) throws Exception {
        CoordinatorConfiguration config = new CoordinatorConfiguration();
        config.setCoordinatorId(id);
        config.getZookeeper().setCluster(CLUSTER);
        config.getZookeeper().setSessionTimeout(Duration.seconds(6));
        config.setOutputDirectory(tmp.resolve("output-" + id).toString());
        config.getInventory().setRefreshInterval(Duration.milliseconds(100));
        config.getInventory().setJobs(List.of(
                new JobConfig("node", List.of(tmp.resolve("inventory/node").toString() + "/*.yml"), List.of()),
                new JobConfig("api", List.of(tmp.resolve("inventory/api/*.json").toString()), List.of())));
        config.getAssignment().setSettleTime(Duration.milliseconds(100));
        config.getAssignment().setReassignmentDelay(Duration.milliseconds(0));
        tweak.accept(config);
        CuratorFramework curator = config.getZookeeper().buildCuratorFramework(connectString());
        curator.start();
        InventoryService inventory = config.buildInventoryService(curator);
        inventory.start();
        Coordinator coordinator = config.buildCoordinator(curator, inventory, id);
        coordinator.start();
        RunningCoordinator running = new RunningCoordinator(curator, inventory, coordinator);
        coordinators.add(running);
        return running;
    }

    void stop(RunningCoordinator c) throws Exception {
        coordinators.remove(c);
        c.close();
    }

    TestSidecar sidecar(String id) {
        return sidecar(id, false);
    }

    TestSidecar sidecar(String id, boolean handOverOnShutdown) {
        TestSidecar s = new TestSidecar(connectString(), CLUSTER, id, tmp.resolve("sd-" + id), handOverOnShutdown);
        sidecars.put(id, s);
        return s;
    }

    /** A graceful stop: the sidecar deregisters (announcing LEAVING first if it hands over on shutdown). */
    void leave(String id) throws Exception {
        sidecars.remove(id).close();
    }

    /** A crash: the session ends without a word (its ephemeral znode vanishes with it). */
    void crash(String id) throws Exception {
        sidecars.remove(id).crash();
    }

    /** Replaces the extra inventory file with {@code n} targets of job api (0 removes them all). */
    void setExtraTargets(int n) throws Exception {
        StringBuilder json = new StringBuilder("[{\"labels\": {\"extra\": \"yes\"}, \"targets\": [");
        for (int i = 0; i < n; i++) {
            json.append(i == 0 ? "" : ",").append("\"10.7.0.").append(i).append(":8080\"");
        }
        Path file = tmp.resolve("inventory/api/extra.json");
        Path temp = tmp.resolve("inventory/api/.extra.tmp");
        Files.writeString(temp, json.append("]}]"));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        extraTargets = n;
        targetCount = 500 + n + otherTargets.size();
    }

    int extraTargets;
    /** Targets of jobs a test adds to the coordinators' configuration itself (an http_sd source, say). */
    private final Set<String> otherTargets = new TreeSet<>();

    /** Counts {@code keys} ({@code job/address}) as inventory targets: a job the test configured itself serves them. */
    void addJobTargets(Set<String> keys) {
        otherTargets.addAll(keys);
        targetCount = 500 + extraTargets + otherTargets.size();
    }

    /** Every target key of the inventory as the sidecars' files name them: {@code job/address}. */
    Set<String> inventoryTargets() {
        Set<String> out = new TreeSet<>();
        for (int file = 0; file < 2; file++) {
            for (int i = 0; i < 150; i++) {
                out.add("node/127.0.0." + (file + 1) + ":" + (9100 + i));
            }
        }
        for (int i = 0; i < 200; i++) {
            out.add("api/10.1." + (i / 100) + "." + (i % 100) + ":8080");
        }
        for (int i = 0; i < extraTargets; i++) {
            out.add("api/10.7.0." + i + ":8080");
        }
        out.addAll(otherTargets);
        return out;
    }

    Path sidecarDir(String id) {
        return tmp.resolve("sd-" + id);
    }

    /** Waits until each of {@code live} has applied the share published for it. */
    void awaitApplied(Set<String> live) {
        Poll.until("sidecars " + live + " to apply what is published", WAIT, () -> applied(live));
    }

    /** Whether each of {@code live} has applied the share published for it. */
    private boolean applied(Set<String> live) {
        ShareReader reader = new ShareReader(observer, layout, new ShareCodec());
        for (String id : live) {
            Optional<ShareManifest> m;
            try {
                m = reader.readManifest(id);
            } catch (Exception e) {
                return false;
            }
            if (m.isEmpty() || !m.get().sha256().equals(sidecars.get(id).applied().sha256())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The shares published for {@code workers}, read between two equal reads of the state's epoch;
     * empty when an epoch was published meanwhile or ZooKeeper did not answer.
     */
    Optional<PublishedShares> published(Collection<String> workers) {
        try {
            ShareReader reader = new ShareReader(observer, layout, new ShareCodec());
            long before = state().epoch();
            Map<String, Share> shares = new TreeMap<>();
            for (String worker : workers) {
                reader.read(worker).ifPresent(read -> shares.put(worker, read.share()));
            }
            return state().epoch() == before ? Optional.of(new PublishedShares(before, shares)) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /**
     * Every target in exactly one of {@code live}'s files, each of them having applied what is
     * published; for tests whose jobs all run at replication 1.
     */
    Map<String, String> awaitConverged(Set<String> live) {
        if (!jobReplication.isEmpty()) {
            throw new IllegalStateException("jobs " + jobReplication + " are replicated: use awaitPlaced");
        }
        Map<String, String> owners = new TreeMap<>();
        awaitPlaced(live, Set.of()).forEach((target, workers) -> owners.put(target, workers.iterator().next()));
        return Map.copyOf(owners);
    }

    /**
     * Every target in the files of as many of {@code live} as its job's replication asks
     * ({@code min(R, undrained live workers)}), each of them having applied what is published.
     *
     * @return target ({@code job/address}) to the workers whose files hold it
     */
    Map<String, Set<String>> awaitPlaced(Set<String> live, Set<String> drained) {
        int eligible = (int) live.stream().filter(id -> !drained.contains(id)).count();
        Map<String, Set<String>> owners = new TreeMap<>();
        Poll.until("sidecars " + live + " to apply a complete assignment", WAIT, () -> {
            owners.clear();
            if (!applied(live)) {
                return false;
            }
            for (String id : live) {
                sidecars.get(id).owned().keySet()
                        .forEach(target -> owners.computeIfAbsent(target, k -> new TreeSet<>()).add(id));
            }
            return owners.size() == targetCount && owners.entrySet().stream()
                    .allMatch(e -> e.getValue().size() == Math.min(replication(e.getKey()), Math.max(1, eligible)));
        });
        return Map.copyOf(owners);
    }

    /** A configuration change that runs {@code job} at {@code replicas}; the harness's checks expect it from then on. */
    Consumer<CoordinatorConfiguration> replication(String job, int replicas) {
        jobReplication.put(job, replicas);
        return c -> c.getInventory().getJobs().stream().filter(j -> j.getName().equals(job))
                .forEach(j -> j.setReplication(Integer.toString(replicas)));
    }

    /** The replication of {@code target}'s job ({@code job/address}) as the test configured it: 1 by default. */
    int replication(String target) {
        return jobReplication.getOrDefault(target.substring(0, target.indexOf('/')), 1);
    }

    /** The assignment the sidecars' files describe ({@code job/address} to its one owner), over {@code live}. */
    static Assignment assignmentOf(Map<String, String> owners, Set<String> live) {
        Map<String, List<String>> byKey = new TreeMap<>();
        owners.forEach((target, worker) -> byKey.put(target, List.of(worker)));
        return Assignment.of(byKey, live, 1);
    }

    /** {@link #checkPlacement} of a placement with one owner per target. */
    boolean checkInvariants(Map<String, String> owners, Set<String> live, Set<String> drained) {
        Map<String, Set<String>> placed = new TreeMap<>();
        owners.forEach((target, worker) -> placed.put(target, Set.of(worker)));
        return checkPlacement(placed, live, drained);
    }

    /**
     * {@link AssignmentInvariants} on what the sidecars' files describe: every inventory target on as
     * many live workers that are not {@code drained} as its job's replication asks, and the busiest
     * undrained worker within {@code 1.05} of its fair share plus one placement (the engine's band, at
     * this granularity; each replica counts).
     *
     * @return true, so that it can be polled until the settled state holds it
     */
    boolean checkPlacement(Map<String, Set<String>> owners, Set<String> live, Set<String> drained) {
        List<Member> members = live.stream().sorted()
                .map(id -> drained.contains(id) ? Member.of(id, 1).asDraining() : Member.of(id, 1)).toList();
        Map<String, List<String>> byKey = new TreeMap<>();
        owners.forEach((target, workers) -> byKey.put(target, List.copyOf(workers)));
        Assignment a = Assignment.of(byKey, live, 1, this::replication);
        AssignmentInvariants.check(a, inventoryTargets(), members);
        long undrained = live.stream().filter(id -> !drained.contains(id)).count();
        long placements = owners.values().stream().mapToLong(Set::size).sum();
        AssignmentInvariants.checkBalance(a, members, false, 1.05 + 1.0 / (placements / (double) undrained));
        if (owners.size() != targetCount) {
            throw new AssertionError(owners.size() + " targets owned, " + targetCount + " in the inventory");
        }
        return true;
    }

    static int moved(Map<String, String> before, Map<String, String> after) {
        int moved = 0;
        for (Map.Entry<String, String> e : after.entrySet()) {
            String was = before.get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                moved++;
            }
        }
        return moved;
    }

    ClusterState state() throws Exception {
        return Json.mapper().readValue(observer.getData().forPath(layout.state()), ClusterState.class);
    }

    Map<String, ShareManifest> manifests(Set<String> workers) throws Exception {
        ShareReader reader = new ShareReader(observer, layout, new ShareCodec());
        Map<String, ShareManifest> out = new TreeMap<>();
        for (String w : workers) {
            out.put(w, reader.readManifest(w).orElseThrow());
        }
        return out;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (sampler != null) {
            sampler.close();
            sampler = null;
        }
        for (TestSidecar s : sidecars.values()) {
            s.close();
        }
        sidecars.clear();
        for (int i = coordinators.size() - 1; i >= 0; i--) {
            coordinators.get(i).close();
        }
        coordinators.clear();
        if (observer != null) {
            observer.close();
        }
        if (server != null) {
            server.close();
        }
        if (ensemble != null) {
            ensemble.close();
        }
        MoreFiles.deleteRecursively(tmp, RecursiveDeleteOption.ALLOW_INSECURE);
    }
}
