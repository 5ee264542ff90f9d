package io.promshard.coordinator.inventory;

import io.promshard.client.api.Target;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.promshard.client.api.TargetGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The full target inventory: per job, the file_sd groups from every source, with each target
 * appearing once per job (a repeated address keeps its first group). Immutable.
 */
public final class Inventory {

    private final SortedMap<String, List<TargetGroup>> jobs;
    private final List<String> keys;
    private final String digest;

    public Inventory(Map<String, List<TargetGroup>> jobs) {
        TreeMap<String, List<TargetGroup>> copy = new TreeMap<>();
        List<String> allKeys = new ArrayList<>();
        Hasher hasher = Hashing.sha256().newHasher();
        jobs.forEach((job, groups) -> copy.put(job, dedupe(job, groups)));
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
        this.jobs = Collections.unmodifiableSortedMap(copy);
        this.keys = List.copyOf(allKeys);
        this.digest = hasher.hash().toString();
    }

    public static Inventory empty() {
        return new Inventory(Map.of());
    }

    public SortedMap<String, List<TargetGroup>> jobs() {
        return jobs;
    }

    /** Every target's assignment key, in inventory order. */
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

    private static List<TargetGroup> dedupe(String job, List<TargetGroup> groups) {
        Set<String> seen = new HashSet<>();
        List<TargetGroup> out = new ArrayList<>(groups.size());
        for (TargetGroup g : groups) {
            Target.Scrape scrape = Target.Scrape.of(g.labels());
            LinkedHashSet<String> kept = new LinkedHashSet<>();
            for (String address : g.targets()) {
                if (seen.add(Target.keyOf(job, address, scrape))) {
                    kept.add(address);
                }
            }
            if (!kept.isEmpty()) {
                out.add(kept.size() == g.targets().size() ? g : g.withTargets(List.copyOf(kept)));
            }
        }
        return List.copyOf(out);
    }
}
