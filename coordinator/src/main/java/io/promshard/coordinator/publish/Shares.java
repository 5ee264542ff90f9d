package io.promshard.coordinator.publish;

import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.inventory.Inventory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns an engine {@link Assignment} into per-worker file_sd shares and back. Shares are built
 * worker by worker from an {@link Index} of where each target sits in the inventory, so that a
 * rebalance rebuilds only the shares of the workers it changed, in time proportional to their
 * targets. Every share is in canonical form ({@link Share#canonical()}).
 */
public final class Shares {

    private Shares() {
    }

    /**
     * Where each target of a target set sits in an inventory: its job, group and address. Built once
     * per inventory (one pass over it); immutable.
     */
    public static final class Index {
        private final Inventory inventory;
        private final TargetSet set;
        private final String[] groupJob;
        private final TargetGroup[] groups;
        /** Per target of {@link #set}: its group in {@link #groups}, or -1 when the inventory lacks it. */
        private final int[] groupOf;
        /** Per target of {@link #set} in a group: its address's position in {@link #sortedAddresses} of that group. */
        private final int[] rankOf;
        /**
         * Per group: its addresses sorted (the group's own list when the inventory has them sorted). A
         * share's addresses of one group are then sorted as integers, by rank, not as strings.
         */
        private final List<List<String>> sortedAddresses;
        /** Targets the inventory also lists under other labels ({@link Inventory#repeats()}): their further groups. */
        private final Map<Integer, List<Integer>> repeatGroupsOf = new HashMap<>();

        private Index(Inventory inventory, TargetSet set, int[] inventoryIndex) {
            if (inventoryIndex != null && inventoryIndex.length != inventory.targetCount()) {
                throw new IllegalArgumentException("index of " + inventoryIndex.length + " keys for an inventory of "
                        + inventory.targetCount());
            }
            this.inventory = inventory;
            this.set = set;
            List<String> jobOfGroup = new ArrayList<>();
            List<TargetGroup> all = new ArrayList<>();
            List<List<String>> sorted = new ArrayList<>();
            groupOf = new int[set.size()];
            rankOf = new int[set.size()];
            Arrays.fill(groupOf, -1);
            int p = 0;
            for (Map.Entry<String, List<TargetGroup>> job : inventory.jobs().entrySet()) {
                for (TargetGroup group : job.getValue()) {
                    int g = all.size();
                    all.add(group);
                    jobOfGroup.add(job.getKey());
                    List<String> addresses = sortedOf(group.targets());
                    sorted.add(addresses);
                    Target.Scrape scrape = Target.Scrape.of(group.labels());
                    for (int k = 0; k < group.targets().size(); k++, p++) {
                        String address = group.targets().get(k);
                        int i = inventoryIndex != null ? inventoryIndex[p] : set.indexOf(Target.keyOf(job.getKey(), address, scrape));
                        if (i >= 0 && groupOf[i] < 0) {
                            groupOf[i] = g;
                            rankOf[i] = addresses == group.targets() ? k : Collections.binarySearch(addresses, address);
                        }
                    }
                }
            }
            indexRepeats(inventory, all, jobOfGroup);
            groupJob = jobOfGroup.toArray(new String[0]);
            groups = all.toArray(new TargetGroup[0]);
            sortedAddresses = List.copyOf(sorted);
        }

        /** {@code addresses} itself when sorted and distinct, else a sorted copy (the inventory keeps each address once per group). */
        private static List<String> sortedOf(List<String> addresses) {
            return Share.isSortedDistinct(addresses) ? addresses : Share.sortedDistinct(addresses);
        }

        private String addressOf(int i) {
            return sortedAddresses.get(groupOf[i]).get(rankOf[i]);
        }

        /** Further label sets of targets already indexed: rare, so each key is looked up in the set. */
        private void indexRepeats(Inventory inventory, List<TargetGroup> all, List<String> jobOfGroup) {
            inventory.repeats().forEach((job, repeated) -> {
                for (TargetGroup group : repeated) {
                    int g = all.size();
                    all.add(group);
                    jobOfGroup.add(job);
                    Target.Scrape scrape = Target.Scrape.of(group.labels());
                    for (String address : group.targets()) {
                        int i = set.indexOf(Target.keyOf(job, address, scrape));
                        if (i >= 0) {
                            repeatGroupsOf.computeIfAbsent(i, k -> new ArrayList<>(1)).add(g);
                        }
                    }
                }
            });
        }

        /**
         * @param inventoryIndex when given, the position in {@code set} of each of {@code inventory.keys()}, in
         *                       order (so that no key is hashed and searched again)
         */
        public static Index of(Inventory inventory, TargetSet set, int[] inventoryIndex) {
            return new Index(inventory, set, inventoryIndex);
        }

        public boolean fits(Inventory inv, TargetSet targets) {
            return inv == inventory && targets == set;
        }

        public TargetSet targets() {
            return set;
        }

        /**
         * The targets {@code targets} (indexes into the set) that the inventory has, as job -> labels ->
         * addresses. The targets are ordered by group, then by their address's rank in it (one sort of
         * longs), so each group's addresses come out sorted; only a label set that several groups (or
         * the inventory's repeats) share has its addresses sorted again as strings.
         */
        private Map<String, TreeMap<SortedMap<String, String>, Addresses>> grouped(int[] targets) {
            long[] byGroupAndRank = new long[targets.length];
            int n = 0;
            for (int i : targets) {
                if (groupOf[i] >= 0) {
                    byGroupAndRank[n++] = (long) groupOf[i] << 32 | rankOf[i];
                }
            }
            Arrays.sort(byGroupAndRank, 0, n);
            Map<String, TreeMap<SortedMap<String, String>, Addresses>> out = new TreeMap<>();
            for (int start = 0, end; start < n; start = end) {
                int g = (int) (byGroupAndRank[start] >>> 32);
                end = start + 1;
                while (end < n && (int) (byGroupAndRank[end] >>> 32) == g) {
                    end++;
                }
                // sized once: a worker holds about one target of each inventory group, so a share is
                // a thousand runs of one address, and a growing list per run was a tenth of a run's time
                String[] addresses = new String[end - start];
                for (int x = start; x < end; x++) {
                    addresses[x - start] = sortedAddresses.get(g).get((int) byGroupAndRank[x]);
                }
                bucket(out, g).add(List.of(addresses));
            }
            for (int i : targets) {
                for (int again : groupOf[i] < 0 ? List.<Integer>of() : repeatGroupsOf.getOrDefault(i, List.of())) {
                    bucket(out, again).add(List.of(addressOf(i)));
                }
            }
            return out;
        }

        private Addresses bucket(Map<String, TreeMap<SortedMap<String, String>, Addresses>> out, int g) {
            return out.computeIfAbsent(groupJob[g], j -> new TreeMap<>(Share.LABELS_ORDER))
                    .computeIfAbsent(groups[g].labels(), l -> new Addresses());
        }
    }

    /**
     * The addresses of one label set of a share: sorted while they came from one run of one group
     * (that run's list itself, immutable; copied only when a second run joins it).
     */
    private static final class Addresses {
        private List<String> all = List.of();
        private int runs;

        void add(List<String> sortedRun) {
            if (runs++ == 0) {
                all = sortedRun;
                return;
            }
            if (runs == 2) {
                all = new ArrayList<>(all);
            }
            all.addAll(sortedRun);
        }

        List<String> sortedDistinct() {
            return runs == 1 ? all : Share.sortedDistinct(all);
        }
    }

    /**
     * Each worker's share: per job, the inventory's groups restricted to the targets the worker owns,
     * labels kept. Every worker in {@code workers} gets a share, possibly with no jobs.
     */
    public static SortedMap<String, Share> build(Inventory inventory, Assignment assignment,
                                                        Collection<String> workers) {
        return build(inventory, assignment, workers, Map.of());
    }

    /**
     * As {@link #build(Inventory, Assignment, Collection)}, and each worker in {@code handoff.get(key)}
     * also gets target {@code key} as a hand-off target (kept until its new owners confirm it).
     */
    public static SortedMap<String, Share> build(Inventory inventory, Assignment assignment,
                                                        Collection<String> workers,
                                                        Map<String, List<String>> handoff) {
        return build(Index.of(inventory, assignment.targets(), null), assignment, workers, handoff);
    }

    /**
     * The shares of {@code workers} only (each gets a share, possibly with no jobs), in time
     * proportional to the assignment's size plus their targets.
     *
     * @param index an index of the assignment's own target set
     */
    public static SortedMap<String, Share> build(Index index, Assignment assignment, Collection<String> workers,
                                                        Map<String, List<String>> handoff) {
        if (index.set != assignment.targets()) {
            throw new IllegalArgumentException("the index is of another target set");
        }
        Map<String, int[]> owned = assignment.targetsOf(workers);
        Map<String, List<Integer>> kept = new HashMap<>();
        if (!handoff.isEmpty()) {
            Set<String> wanted = new HashSet<>(workers);
            handoff.forEach((key, keepers) -> {
                int i = -2;
                for (String keeper : keepers) {
                    if (wanted.contains(keeper)) {
                        i = i == -2 ? index.set.indexOf(key) : i;
                        if (i >= 0) {
                            kept.computeIfAbsent(keeper, k -> new ArrayList<>()).add(i);
                        }
                    }
                }
            });
        }
        TreeMap<String, Share> out = new TreeMap<>();
        for (String w : workers) {
            int[] handed = kept.getOrDefault(w, List.of()).stream().mapToInt(Integer::intValue).toArray();
            // canonical by construction: groups by label set in Share.LABELS_ORDER, addresses sorted and distinct
            out.put(w, Share.ofCanonical(w, groups(index.grouped(owned.getOrDefault(w, new int[0]))),
                    groups(index.grouped(handed))));
        }
        return out;
    }

    /**
     * The shares of {@code owners}: those of {@code previous} kept as they are (the same instances) for
     * workers outside {@code changed}, the others built. A rebalance that moves a few targets thus costs
     * one pass over the assignment plus the changed workers' targets.
     *
     * @param previous the shares in force, built from the same index
     * @param changed  every worker whose owned or hand-off targets may differ from {@code previous}
     */
    public static SortedMap<String, Share> update(Index index, Assignment assignment, Collection<String> owners,
                                                         Map<String, List<String>> handoff,
                                                         Map<String, Share> previous,
                                                         Set<String> changed) {
        List<String> rebuild = new ArrayList<>();
        for (String w : owners) {
            if (changed.contains(w) || !previous.containsKey(w)) {
                rebuild.add(w);
            }
        }
        TreeMap<String, Share> out = new TreeMap<>(build(index, assignment, rebuild, handoff));
        for (String w : owners) {
            out.putIfAbsent(w, previous.get(w));
        }
        return out;
    }

    /** Canonical groups: per job, by labels, targets sorted and distinct. */
    private static SortedMap<String, List<TargetGroup>> groups(Map<String, TreeMap<SortedMap<String, String>,
            Addresses>> jobs) {
        TreeMap<String, List<TargetGroup>> out = new TreeMap<>();
        jobs.forEach((job, byLabels) -> {
            List<TargetGroup> list = new ArrayList<>(byLabels.size());
            byLabels.forEach((labels, addresses) -> list.add(new TargetGroup(addresses.sortedDistinct(), labels)));
            out.put(job, list);
        });
        return out;
    }

    /** The owners of every target named in published shares (workers in id order), as the previous assignment. */
    public static Assignment toAssignment(Map<String, Share> shares, int replication) {
        Map<String, List<String>> owners = new HashMap<>();
        new TreeMap<>(shares).forEach((worker, share) -> share.jobs().forEach((job, groups) -> {
            for (TargetGroup g : groups) {
                Target.Scrape scrape = Target.Scrape.of(g.labels());
                for (String address : g.targets()) {
                    owners.computeIfAbsent(Target.keyOf(job, address, scrape), k -> new ArrayList<>(1)).add(worker);
                }
            }
        }));
        return Assignment.of(owners, shares.keySet(), replication);
    }
}
