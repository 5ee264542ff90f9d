package io.promshard.coordinator.publish;

import io.promshard.client.api.ShardPayload;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.inventory.Inventory;
import io.promshard.client.api.Target;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Turns an engine {@link Assignment} into per-worker file_sd shares and back. */
public final class Shares {

    private Shares() {
    }

    /**
     * Each worker's share: per job, the inventory's groups restricted to the targets the worker owns,
     * labels kept. Every worker in {@code workers} gets a payload, possibly with no jobs.
     */
    public static SortedMap<String, ShardPayload> build(Inventory inventory, Assignment assignment,
                                                        Collection<String> workers) {
        return build(inventory, assignment, workers, Map.of());
    }

    /**
     * As {@link #build(Inventory, Assignment, Collection)}, and each worker in {@code handoff.get(key)}
     * also gets target {@code key} as a hand-off target (kept until its new owners confirm it).
     */
    public static SortedMap<String, ShardPayload> build(Inventory inventory, Assignment assignment,
                                                        Collection<String> workers,
                                                        Map<String, List<String>> handoff) {
        return build(inventory, assignment, workers, handoff, null);
    }

    /**
     * As {@link #build(Inventory, Assignment, Collection, Map)}; {@code index}, when given, holds the
     * position in {@code assignment.targets()} of each of {@code inventory.keys()}, in order, so that
     * no key is hashed and searched again.
     */
    public static SortedMap<String, ShardPayload> build(Inventory inventory, Assignment assignment,
                                                        Collection<String> workers,
                                                        Map<String, List<String>> handoff, int[] index) {
        if (index != null && index.length != inventory.targetCount()) {
            throw new IllegalArgumentException("index of " + index.length + " keys for an inventory of "
                    + inventory.targetCount());
        }
        int[] n = {0};
        Map<String, Map<String, List<TargetGroup>>> owned = new HashMap<>();
        Map<String, Map<String, List<TargetGroup>>> kept = new HashMap<>();
        for (String w : workers) {
            owned.put(w, new TreeMap<>());
            kept.put(w, new TreeMap<>());
        }
        inventory.jobs().forEach((job, groups) -> {
            for (TargetGroup group : groups) {
                String path = group.labels().get("__metrics_path__");
                Map<String, List<String>> split = new TreeMap<>();
                Map<String, List<String>> splitKept = new TreeMap<>();
                for (String address : group.targets()) {
                    String key = index != null && handoff.isEmpty() ? null : Target.key(job, address, path);
                    int at = index == null ? -2 : index[n[0]++];
                    for (String owner : at == -2 ? assignment.owners(key) : at < 0 ? List.<String>of()
                            : assignment.owners(at)) {
                        if (owned.containsKey(owner)) {
                            split.computeIfAbsent(owner, o -> new ArrayList<>()).add(address);
                        }
                    }
                    for (String keeper : handoff.isEmpty() ? List.<String>of() : handoff.getOrDefault(key, List.of())) {
                        if (kept.containsKey(keeper)) {
                            splitKept.computeIfAbsent(keeper, o -> new ArrayList<>()).add(address);
                        }
                    }
                }
                split.forEach((owner, addresses) -> owned.get(owner)
                        .computeIfAbsent(job, j -> new ArrayList<>()).add(group.withTargets(addresses)));
                splitKept.forEach((keeper, addresses) -> kept.get(keeper)
                        .computeIfAbsent(job, j -> new ArrayList<>()).add(group.withTargets(addresses)));
            }
        });
        TreeMap<String, ShardPayload> out = new TreeMap<>();
        owned.forEach((w, jobs) -> out.put(w, new ShardPayload(ShardPayload.FORMAT, w, new TreeMap<>(jobs),
                new TreeMap<>(kept.get(w)))));
        return out;
    }

    /** The owners of every target named in published shares (workers in id order), as the previous assignment. */
    public static Assignment toAssignment(Map<String, ShardPayload> shares, int replication) {
        Map<String, List<String>> owners = new HashMap<>();
        new TreeMap<>(shares).forEach((worker, payload) -> payload.jobs().forEach((job, groups) -> {
            for (TargetGroup g : groups) {
                String path = g.labels().get("__metrics_path__");
                for (String address : g.targets()) {
                    owners.computeIfAbsent(Target.key(job, address, path), k -> new ArrayList<>(1)).add(worker);
                }
            }
        }));
        return Assignment.of(owners, shares.keySet(), replication);
    }
}
