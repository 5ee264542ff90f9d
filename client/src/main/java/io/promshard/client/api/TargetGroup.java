package io.promshard.client.api;

import com.google.common.collect.ImmutableSortedMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One entry of a Prometheus {@code file_sd} / {@code http_sd} document: a list of
 * {@code host:port} targets sharing one label set. Serializes exactly as Prometheus reads it:
 * {@code {"targets": [...], "labels": {...}}}. Labels are kept sorted so that equal groups
 * serialize to equal bytes.
 *
 * <p>Immutable, and cheap to derive: the labels are an {@link ImmutableSortedMap}, which a group built
 * from another group's labels shares instead of copying (a million targets in shares that each repeat
 * their inventory group's labels would otherwise hold one copy per share and group).
 */
public record TargetGroup(List<String> targets, SortedMap<String, String> labels) {

    public TargetGroup {
        targets = targets == null ? List.of() : List.copyOf(targets);
        labels = labels == null ? ImmutableSortedMap.of() : immutable(labels);
    }

    private static ImmutableSortedMap<String, String> immutable(SortedMap<String, String> labels) {
        if (labels instanceof ImmutableSortedMap<String, String> same) {
            return same; // immutable: shared as it is
        }
        labels.forEach((name, value) -> {
            if (name == null || value == null) {
                throw new IllegalArgumentException("label " + name + " of a target group has no "
                        + (name == null ? "name" : "value"));
            }
        });
        return ImmutableSortedMap.copyOfSorted(labels); // keeps the map's order, as a TreeMap copy did
    }

    public static TargetGroup of(List<String> targets, Map<String, String> labels) {
        return new TargetGroup(targets, labels == null ? null : new TreeMap<>(labels));
    }

    /** The same labels with another list of targets. */
    public TargetGroup withTargets(List<String> newTargets) {
        return new TargetGroup(newTargets, labels);
    }
}
