package io.promshard.coordinator.inventory;

import io.promshard.client.api.Target;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.promshard.client.api.TargetGroup;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The full target inventory: per job, the file_sd groups from every source, with each target (an
 * assignment key: job, address, path, parameters) appearing once per job in {@link #jobs()}. A target
 * repeated with the same labels is the same scrape and is dropped, as Prometheus drops it; repeated
 * with other labels it is another scrape of the same URL for Prometheus, so those groups are kept
 * apart in {@link #repeats()}: the target's owner scrapes every label set. Immutable.
 */
public final class Inventory {

    private final SortedMap<String, List<TargetGroup>> jobs;
    private final SortedMap<String, List<TargetGroup>> repeats;
    private final Keys keys;
    private final String digest;

    public Inventory(Map<String, List<TargetGroup>> jobs) {
        TreeMap<String, List<TargetGroup>> copy = new TreeMap<>();
        TreeMap<String, List<TargetGroup>> repeated = new TreeMap<>();
        Hasher hasher = Hashing.sha256().newHasher();
        jobs.forEach((job, groups) -> {
            List<TargetGroup> again = new ArrayList<>();
            copy.put(job, dedupe(job, groups, again));
            if (!again.isEmpty()) {
                repeated.put(job, List.copyOf(again));
            }
        });
        copy.forEach((job, groups) -> {
            hasher.putString(job, StandardCharsets.UTF_8).putByte((byte) 0);
            for (TargetGroup g : groups) {
                for (String address : g.targets()) {
                    hasher.putString(address, StandardCharsets.UTF_8).putByte((byte) 1);
                }
                g.labels().forEach((k, v) -> hasher.putString(k, StandardCharsets.UTF_8).putByte((byte) 2)
                        .putString(v, StandardCharsets.UTF_8).putByte((byte) 3));
            }
        });
        repeated.forEach((job, groups) -> {
            hasher.putString(job, StandardCharsets.UTF_8).putByte((byte) 4);
            groups.forEach(g -> hasher.putString(g.toString(), StandardCharsets.UTF_8).putByte((byte) 5));
        });
        this.jobs = Collections.unmodifiableSortedMap(copy);
        this.repeats = Collections.unmodifiableSortedMap(repeated);
        this.keys = new Keys(this.jobs);
        this.digest = hasher.hash().toString();
    }

    public static Inventory empty() {
        return new Inventory(Map.of());
    }

    public SortedMap<String, List<TargetGroup>> jobs() {
        return jobs;
    }

    /**
     * Per job, the groups of targets that {@link #jobs()} already has under other labels: further label
     * sets of the same scrapes, which go wherever those targets go.
     */
    public SortedMap<String, List<TargetGroup>> repeats() {
        return repeats;
    }

    /**
     * Every target's assignment key, in inventory order: job by job as {@link #jobs()} iterates, then
     * group by group and address by address (so a pass over {@link #jobs()} meets the keys in this order).
     * The list is always the same object for one inventory, and builds each key when asked for it: a
     * million keys held as strings beside the million addresses the groups hold would be a third of
     * the coordinator's heap. A target set built over this list keys its targets by position in it.
     */
    public List<String> keys() {
        return keys;
    }

    public int targetCount() {
        return keys.size();
    }

    /**
     * The keys of {@link #keys()}, built on demand from the groups: position {@code p} falls in the
     * group whose range of positions holds it (a binary search over the groups' ends), and is that
     * group's address {@code p - start} keyed with the group's job and scrape labels.
     */
    private static final class Keys extends AbstractList<String> implements RandomAccess {
        private final String[] jobOfGroup;
        private final Target.Scrape[] scrapeOfGroup;
        private final List<List<String>> addressesOfGroup = new ArrayList<>();
        /** The position after each group's last target: ascending, the last one the size. */
        private final int[] groupEnd;

        Keys(SortedMap<String, List<TargetGroup>> jobs) {
            int groups = jobs.values().stream().mapToInt(List::size).sum();
            jobOfGroup = new String[groups];
            scrapeOfGroup = new Target.Scrape[groups];
            groupEnd = new int[groups];
            int group = 0;
            int end = 0;
            for (var job : jobs.entrySet()) {
                for (TargetGroup g : job.getValue()) {
                    jobOfGroup[group] = job.getKey();
                    scrapeOfGroup[group] = Target.Scrape.of(g.labels());
                    addressesOfGroup.add(g.targets());
                    end += g.targets().size();
                    groupEnd[group++] = end;
                }
            }
        }

        @Override
        public String get(int position) {
            Objects.checkIndex(position, size());
            // the first group ending after the position: binarySearch finds an end equal to the position
            // (that group ended just before it) or where it would be inserted
            int found = Arrays.binarySearch(groupEnd, position);
            // (the ends are strictly ascending: the inventory keeps no empty group)
            int group = found >= 0 ? found + 1 : -found - 1;
            int start = group == 0 ? 0 : groupEnd[group - 1];
            return Target.keyOf(jobOfGroup[group], addressesOfGroup.get(group).get(position - start),
                    scrapeOfGroup[group]);
        }

        @Override
        public int size() {
            return groupEnd.length == 0 ? 0 : groupEnd[groupEnd.length - 1];
        }
    }

    /** sha256 over jobs, targets and labels: equal inventories have equal digests. */
    public String digest() {
        return digest;
    }

    /**
     * The groups with each key once (its first occurrence); later occurrences under labels not seen
     * for that key yet go to {@code again}, each as a group of its own labels.
     */
    private static List<TargetGroup> dedupe(String job, List<TargetGroup> groups, List<TargetGroup> again) {
        Map<String, List<Map<String, String>>> seen = new HashMap<>();
        List<TargetGroup> out = new ArrayList<>(groups.size());
        for (TargetGroup g : groups) {
            Target.Scrape scrape = Target.Scrape.of(g.labels());
            LinkedHashSet<String> kept = new LinkedHashSet<>();
            LinkedHashSet<String> repeated = new LinkedHashSet<>();
            for (String address : g.targets()) {
                List<Map<String, String>> labelSets = seen.get(Target.keyOf(job, address, scrape));
                if (labelSets == null) {
                    seen.put(Target.keyOf(job, address, scrape), new ArrayList<>(List.of(g.labels())));
                    kept.add(address);
                } else if (!labelSets.contains(g.labels())) {
                    labelSets.add(g.labels());
                    repeated.add(address);
                }
            }
            if (!kept.isEmpty()) {
                out.add(kept.size() == g.targets().size() ? g : g.withTargets(List.copyOf(kept)));
            }
            if (!repeated.isEmpty()) {
                again.add(g.withTargets(List.copyOf(repeated)));
            }
        }
        return List.copyOf(out);
    }
}
