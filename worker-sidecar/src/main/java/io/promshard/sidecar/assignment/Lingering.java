package io.promshard.sidecar.assignment;

import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import java.util.List;
import java.util.Map;

/**
 * Targets the worker's files keep after its share no longer holds them. The {@link ShareWatcher}
 * asks before it writes a share; none by default.
 */
public interface Lingering {

    /** Keeps nothing. */
    Lingering NONE = (previous, next) -> Map.of();

    /**
     * The groups to write beside {@code next}'s, by job, as {@code next} replaces {@code previous}
     * (the same share when the files are only refreshed). Never a target {@code next} holds.
     */
    Map<String, List<TargetGroup>> extra(Share previous, Share next);
}
