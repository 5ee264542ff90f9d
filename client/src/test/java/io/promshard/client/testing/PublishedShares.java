package io.promshard.client.testing;

import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The workers' shares as published in one epoch, read by a test (from ZooKeeper or the coordinator's
 * API), and what they say target by target, each target named {@code job/address}.
 *
 * @param epoch  the epoch all of {@code shares} belong to
 * @param shares worker id to its published share
 */
public record PublishedShares(long epoch, Map<String, Share> shares) {

    public PublishedShares {
        shares = Map.copyOf(shares);
    }

    /** Target to the workers whose shares own it (hand-offs not counted). */
    public Map<String, Set<String>> owners() {
        return byTarget(Share::jobs);
    }

    /** Target to the previous owners that still scrape it for a hand-off. */
    public Map<String, Set<String>> handedOffBy() {
        return byTarget(Share::handoff);
    }

    private Map<String, Set<String>> byTarget(Function<Share, Map<String, List<TargetGroup>>> part) {
        Map<String, Set<String>> out = new TreeMap<>();
        shares.forEach((worker, share) -> part.apply(share).forEach((job, groups) -> groups.forEach(group ->
                group.targets().forEach(target ->
                        out.computeIfAbsent(job + "/" + target, k -> new TreeSet<>()).add(worker)))));
        return out;
    }
}
