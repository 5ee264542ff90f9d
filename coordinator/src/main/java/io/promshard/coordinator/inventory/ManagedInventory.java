package io.promshard.coordinator.inventory;

import io.promshard.client.Json;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.zk.BoundedChildren;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Targets added and removed through the REST API, stored in ZooKeeper under {@code inventory/<job>}
 * as a file_sd JSON list, so every coordinator (and the next leader) has them. Writes are
 * compare-and-set on the znode version, validated by the same {@link FileSdParser} as files before
 * they are written, and refused past {@code maxBytes}. A node that fails to parse (edited by hand) is
 * refused with its path and reason, and the job's last good content stays in force.
 */
public final class ManagedInventory implements InventorySource {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedInventory.class);
    private static final int ATTEMPTS = 10;

    private enum State { LATENT, STARTED, CLOSED }

    private record Parsed(long mzxid, List<TargetGroup> groups) {
    }

    /** Managed jobs read at most: each is one znode. */
    static final int MAX_JOBS = 10_000;
    /** The managed jobs' content together, read at most. */
    static final long MAX_TOTAL_BYTES = 256L << 20;

    private final CuratorFramework client;
    private final String parent;
    private final FileSdParser parser;
    private final int maxBytes;
    private final BoundedChildren cache;
    private final Map<String, Parsed> good = new ConcurrentHashMap<>();
    private final Map<String, String> errors = new ConcurrentHashMap<>();
    private final AtomicLong refusals = new AtomicLong();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private volatile boolean initialized;

    public ManagedInventory(CuratorFramework client, String parent, FileSdParser parser, int maxBytes) {
        this.client = client;
        this.parent = parent;
        this.parser = parser;
        this.maxBytes = maxBytes;
        this.cache = new BoundedChildren(client, parent, new BoundedChildren.Limits(MAX_JOBS, maxBytes, MAX_TOTAL_BYTES));
    }

    @Override
    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("ManagedInventory cannot be started more than once");
        }
        cache.addListener((type, before, after) -> listeners.forEach(Runnable::run));
        cache.addInitializedListener(() -> {
            initialized = true;
            listeners.forEach(Runnable::run);
        });
        cache.start();
    }

    /** True once the cache has read every managed job: before, an empty answer would drop their targets. */
    @Override
    public boolean isReady() {
        return initialized;
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public synchronized Map<String, List<TargetGroup>> groups() {
        Map<String, List<TargetGroup>> out = new TreeMap<>();
        Set<String> present = new HashSet<>();
        for (Map.Entry<String, ChildData> child : cache.current().entrySet()) {
            String job = child.getKey();
            ChildData d = child.getValue();
            present.add(job);
            Parsed known = good.get(job);
            if (known == null || known.mzxid() != d.getStat().getMzxid()) {
                try {
                    good.put(job, new Parsed(d.getStat().getMzxid(), decode(d.getPath(), d.getData())));
                    errors.remove(d.getPath());
                } catch (InventoryException e) {
                    if (errors.put(d.getPath(), e.getMessage()) == null) {
                        refusals.incrementAndGet();
                        LOG.error("job={} refused {}; {}", job, e.getMessage(), known == null
                                ? "it contributes no targets" : "its last good content stays in force");
                    }
                    if (known != null) {
                        good.put(job, new Parsed(d.getStat().getMzxid(), known.groups()));
                    }
                }
            }
            Parsed p = good.get(job);
            if (p != null && !p.groups().isEmpty()) {
                out.put(job, p.groups());
            }
        }
        good.keySet().retainAll(present);
        return out;
    }

    @Override
    public Map<String, String> errors() {
        Map<String, String> out = new TreeMap<>(errors);
        out.putAll(cache.refusals());
        return out;
    }

    @Override
    public long refusals() {
        return refusals.get();
    }

    /** The managed groups of {@code job} as stored now (read from ZooKeeper, not the cache). */
    public List<TargetGroup> read(String job) throws Exception {
        checkJob(job);
        try {
            return decode(parent + "/" + job, client.getData().forPath(parent + "/" + job));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    /**
     * Adds {@code groups} to {@code job}'s managed targets; an address already managed for the job
     * (with the same metrics path) is replaced by the new entry.
     *
     * @return the job's managed groups after the change
     * @throws InventoryException when the result is invalid or too large; nothing is written then
     */
    public List<TargetGroup> add(String job, List<TargetGroup> groups) throws Exception {
        checkJob(job);
        Set<String> added = new HashSet<>();
        groups.forEach(g -> g.targets().forEach(a -> added.add(a + "\u0000" + g.labels().getOrDefault("__metrics_path__", ""))));
        return update(job, current -> {
            List<TargetGroup> next = new ArrayList<>(without(current, (a, g) -> added.contains(
                    a + "\u0000" + g.labels().getOrDefault("__metrics_path__", ""))));
            next.addAll(groups);
            return next;
        });
    }

    /** Removes every managed entry of {@code job} whose address is in {@code addresses}. */
    public List<TargetGroup> remove(String job, Collection<String> addresses) throws Exception {
        checkJob(job);
        Set<String> gone = Set.copyOf(addresses);
        return update(job, current -> without(current, (a, g) -> gone.contains(a)));
    }

    private interface Change {
        List<TargetGroup> apply(List<TargetGroup> current);
    }

    private List<TargetGroup> update(String job, Change change) throws Exception {
        String path = parent + "/" + job;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Stat stat = new Stat();
            List<TargetGroup> current;
            boolean exists = true;
            try {
                current = decode(path, client.getData().storingStatIn(stat).forPath(path));
            } catch (KeeperException.NoNodeException e) {
                current = List.of();
                exists = false;
            }
            List<TargetGroup> next = change.apply(current);
            byte[] bytes = Json.mapper().writeValueAsBytes(next);
            if (bytes.length > maxBytes) {
                throw new InventoryException("job=" + job + ": managed targets would take " + bytes.length
                        + " bytes, over the limit of " + maxBytes + "; nothing was changed");
            }
            List<TargetGroup> validated = decode("job=" + job, bytes);
            try {
                if (!exists) {
                    if (!validated.isEmpty()) {
                        client.create().creatingParentContainersIfNeeded().forPath(path, bytes);
                    }
                } else if (validated.isEmpty()) {
                    client.delete().withVersion(stat.getVersion()).forPath(path);
                } else {
                    client.setData().withVersion(stat.getVersion()).forPath(path, bytes);
                }
                return validated;
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException
                     | KeeperException.NoNodeException e) {
                LOG.debug("job={}: concurrent change of managed targets, retrying", job);
            }
        }
        throw new IllegalStateException("job=" + job + ": managed targets changed concurrently " + ATTEMPTS
                + " times; try again");
    }

    /** Validates a request body as a file_sd JSON list, exactly as a file. */
    public List<TargetGroup> parse(String where, byte[] body) throws InventoryException {
        return decode(where, body);
    }

    private List<TargetGroup> decode(String where, byte[] data) throws InventoryException {
        if (data == null || data.length == 0) {
            return List.of();
        }
        if (data.length > maxBytes) {
            throw new InventoryException(where + ": " + data.length + " bytes exceeds the limit of " + maxBytes);
        }
        return parser.parse(where, data, false);
    }

    private static List<TargetGroup> without(List<TargetGroup> groups, BiPredicate<String, TargetGroup> drop) {
        List<TargetGroup> out = new ArrayList<>();
        for (TargetGroup g : groups) {
            LinkedHashSet<String> kept = new LinkedHashSet<>();
            for (String a : g.targets()) {
                if (!drop.test(a, g)) {
                    kept.add(a);
                }
            }
            if (!kept.isEmpty()) {
                out.add(kept.size() == g.targets().size() ? g : g.withTargets(List.copyOf(kept)));
            }
        }
        return out;
    }

    private static void checkJob(String job) throws InventoryException {
        if (job == null || !job.matches(JobConfig.NAME_PATTERN)) {
            throw new InventoryException("invalid job name \"" + (job == null ? "" : job.replaceAll("[^\\x20-\\x7e]", "?"))
                    + "\": must be 1-128 of A-Z a-z 0-9 . _ - and start with a letter, digit or _");
        }
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            cache.close();
        }
        listeners.clear();
    }
}
