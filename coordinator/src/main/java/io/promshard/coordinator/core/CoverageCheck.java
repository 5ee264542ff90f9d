package io.promshard.coordinator.core;

import java.util.function.Consumer;
import io.promshard.client.api.Coverage;
import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerAck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares the inventory with what workers acknowledged. A worker counts for a target when the share
 * it acknowledged (ack epoch at least the epoch its share was written at) holds the target, owned or
 * in hand-off; a worker that has not acknowledged its latest share does not count yet, and the
 * target is {@code pending} if that worker would make up the difference. Pure.
 */
public final class CoverageCheck {

    private CoverageCheck() {
    }

    /** @param limit at most this many under- and over-covered targets are listed each */
    public static Coverage compute(ClusterView view, Map<String, WorkerAck> acks, int replication, int limit) {
        Map<String, List<String>> acked = new HashMap<>();
        Map<String, Integer> waiting = new HashMap<>();
        Set<String> inHandoff = new HashSet<>();
        for (Map.Entry<String, Share> e : view.shares().entrySet()) {
            String worker = e.getKey();
            WorkerAck ack = acks.get(worker);
            long shareEpoch = view.shareEpochs().getOrDefault(worker, Long.MAX_VALUE);
            boolean applied = ack != null && ack.epoch() >= shareEpoch;
            Share p = e.getValue();
            forEachKey(p.scraped(), key -> {
                if (applied) {
                    acked.computeIfAbsent(key, k -> new ArrayList<>(replication)).add(worker);
                } else {
                    waiting.merge(key, 1, Integer::sum);
                }
            });
            forEachKey(p.handoff(), inHandoff::add);
        }
        int covered = 0;
        int under = 0;
        int over = 0;
        int pending = 0;
        int handoffs = 0;
        List<Coverage.Entry> underList = new ArrayList<>();
        List<Coverage.Entry> overList = new ArrayList<>();
        for (String key : view.inventory().keys()) {
            List<String> by = acked.getOrDefault(key, List.of());
            int n = by.size();
            if (n == replication) {
                covered++;
            } else if (n < replication) {
                under++;
                if (n + waiting.getOrDefault(key, 0) >= replication) {
                    pending++;
                }
                if (underList.size() < limit) {
                    underList.add(new Coverage.Entry(Target.display(key), List.copyOf(by)));
                }
            } else {
                over++;
                if (inHandoff.contains(key)) {
                    handoffs++;
                }
                if (overList.size() < limit) {
                    overList.add(new Coverage.Entry(Target.display(key), List.copyOf(by)));
                }
            }
        }
        return new Coverage(view.epoch(), replication, view.inventory().targetCount(), covered, under, over, pending,
                handoffs, List.copyOf(underList), List.copyOf(overList));
    }

    private static void forEachKey(Map<String, List<TargetGroup>> jobs, Consumer<String> action) {
        jobs.forEach((job, groups) -> {
            for (TargetGroup g : groups) {
                Target.Scrape scrape = Target.Scrape.of(g.labels());
                for (String address : g.targets()) {
                    action.accept(Target.keyOf(job, address, scrape));
                }
            }
        });
    }
}
