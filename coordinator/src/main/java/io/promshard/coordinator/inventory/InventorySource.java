package io.promshard.coordinator.inventory;

import io.promshard.client.api.TargetGroup;
import java.io.Closeable;
import java.util.List;
import java.util.Map;

/**
 * A source of target groups besides the configured files: REST-managed targets in ZooKeeper, an
 * upstream http_sd endpoint. A source validates what it reads with the same {@link FileSdParser}
 * as files, keeps its last good content when a read fails, and says why in {@link #errors()}.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #close()} any number of times. Listeners run on the
 * source's own thread and must not block.
 */
public interface InventorySource extends Closeable {

    void start() throws Exception;

    /** The last good groups per job. */
    Map<String, List<TargetGroup>> groups();

    /** What is refused now, by source location, with the reason. */
    Map<String, String> errors();

    /** Reads refused since start. */
    long refusals();

    /** Whether the source has read once, so {@link #groups()} is what it holds rather than nothing yet. */
    default boolean isReady() {
        return true;
    }

    /**
     * The labels Prometheus gives this source's groups before relabelling (http_sd: {@code __meta_url});
     * added to them for jobs with relabel rules, which may read them.
     */
    default Map<String, String> metaLabels() {
        return Map.of();
    }

    /** Called when {@link #groups()} may have changed. */
    void addListener(Runnable listener);

    @Override
    void close();
}
