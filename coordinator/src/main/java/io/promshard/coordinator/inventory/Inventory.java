package io.promshard.coordinator.inventory;

import io.promshard.client.api.Target;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.promshard.client.api.TargetGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
    private final List<String> keys;
    private final String digest;

    public Inventory(Map<String, List<TargetGroup>> jobs) {
        TreeMap<String, List<TargetGroup>> copy = new TreeMap<>();
        TreeMap<String, List<TargetGroup>> repeated = new TreeMap<>();
        List<String> allKeys = new ArrayList<>();
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
                Target.Scrape scrape = Target.Scrape.of(g.labels());
                for (String address : g.targets()) {
                    allKeys.add(Target.keyOf(job, address, scrape));
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
        this.keys = List.copyOf(allKeys);
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
     */
    public List<String> keys() {
        return keys;
    }

    public int targetCount() {
        return keys.size();
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
