package io.promshard.coordinator.zk;

import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decoded children of one znode ({@code acks/*}, {@code weights/*}), kept by
 * {@link BoundedChildren} within its limits. Each child is decoded once per version; a child that cannot be decoded is left out and logged
 * once per version, so one bad writer cannot stop the others being read. Lifecycle LATENT ->
 * STARTED -> CLOSED; listeners run on Curator's cache thread and must only hand work off.
 *
 * @param <T> what a child decodes to
 */
public final class ChildNodes<T> implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ChildNodes.class);

    /** Turns a child's bytes into a value; throws with a message naming what is wrong. */
    @FunctionalInterface
    public interface Decoder<T> {
        T decode(String path, byte[] data) throws Exception;
    }

    private enum State { LATENT, STARTED, CLOSED }

    private record Decoded<T>(long mzxid, T value) {
    }

    private final String parent;
    private final Decoder<T> decoder;
    private final BoundedChildren cache;
    private final Map<String, Decoded<T>> decoded = new ConcurrentHashMap<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public ChildNodes(CuratorFramework client, String parent, Decoder<T> decoder) {
        this(client, parent, BoundedChildren.Limits.SMALL_RECORDS, decoder);
    }

    public ChildNodes(CuratorFramework client, String parent, BoundedChildren.Limits limits, Decoder<T> decoder) {
        this.parent = parent;
        this.decoder = decoder;
        this.cache = new BoundedChildren(client, parent, limits);
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("ChildNodes(" + parent + ") cannot be started more than once");
        }
        cache.addListener((type, before, after) -> listeners.forEach(Runnable::run));
        cache.start();
    }

    /** Every decodable child, by name. */
    public SortedMap<String, T> current() {
        SortedMap<String, T> out = new TreeMap<>();
        SortedMap<String, ChildData> children = cache.current();
        for (Map.Entry<String, ChildData> child : children.entrySet()) {
            String name = child.getKey();
            ChildData d = child.getValue();
            Decoded<T> known = decoded.get(name);
            if (known == null || known.mzxid() != d.getStat().getMzxid()) {
                T value = null;
                try {
                    value = d.getData() == null || d.getData().length == 0 ? null : decoder.decode(d.getPath(), d.getData());
                } catch (Exception e) {
                    LOG.warn("{}: ignored: {}", d.getPath(), e.getMessage());
                }
                known = new Decoded<>(d.getStat().getMzxid(), value);
                decoded.put(name, known);
            }
            if (known.value() != null) {
                out.put(name, known.value());
            }
        }
        decoded.keySet().retainAll(children.keySet());
        return out;
    }

    /** Children refused by the limits, by path, with the reason. */
    public SortedMap<String, String> refusals() {
        return cache.refusals();
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED) {
            cache.close();
        }
        listeners.clear();
    }
}
