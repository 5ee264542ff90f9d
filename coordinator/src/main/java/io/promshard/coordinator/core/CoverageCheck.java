package io.promshard.coordinator.core;

import java.util.function.Consumer;
import io.promshard.client.api.Coverage;
import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerAck;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.TargetSet;
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
 * target is {@code pending} if that worker would make up the difference. Each target is compared with
 * its own replication (a job's, or the factor; every eligible worker its pin allows for
 * {@code replication: all}), and the counts are also given per job. Pure.
 */
public final class CoverageCheck {

    private CoverageCheck() {
    }

    /**
     * @param replication the engine's factor: what a target not in the view's assignment should have
     * @param limit       at most this many under- and over-covered targets are listed each
     */
    public static Coverage compute(ClusterView view, Map<String, WorkerAck> acks, int replication, int limit) {
        Acknowledged seen = acknowledged(view, acks);
        Tally all = new Tally("", "");
        List<Coverage.Job> jobs = new ArrayList<>();
        List<Coverage.Entry> underList = new ArrayList<>();
        List<Coverage.Entry> overList = new ArrayList<>();
        Assignment assignment = view.assignment();
        view.inventory().jobs().forEach((job, groups) -> {
            Tally tally = new Tally(job, replicationOf(view, job, groups, replication));
            forEachKey(Map.of(job, groups), key -> {
                int i = assignment.targets().indexOf(key);
                int want = i < 0 ? replication : assignment.wantedAmong(i, view.members());
                List<String> by = seen.acked().getOrDefault(key, List.of());
                int n = by.size();
                tally.count(n, want);
                int side = all.count(n, want);
                if (side < 0 && n + seen.waiting().getOrDefault(key, 0) >= want) {
                    all.pending++;
                }
                if (side > 0 && seen.inHandoff().contains(key)) {
                    all.handoffs++;
                }
                List<Coverage.Entry> list = side < 0 ? underList : side > 0 ? overList : null;
                if (list != null && list.size() < limit) {
                    list.add(new Coverage.Entry(Target.display(key), List.copyOf(by)));
                }
            });
            jobs.add(tally.job());
        });
        return new Coverage(view.epoch(), replication, view.inventory().targetCount(), all.covered, all.under,
                all.over, all.pending, all.handoffs, List.copyOf(underList), List.copyOf(overList), jobs);
    }

    /** Who acknowledged each target, how many workers hold it unacknowledged, and what is handed off. */
    private record Acknowledged(Map<String, List<String>> acked, Map<String, Integer> waiting, Set<String> inHandoff) {
    }

    private static Acknowledged acknowledged(ClusterView view, Map<String, WorkerAck> acks) {
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
                    acked.computeIfAbsent(key, k -> new ArrayList<>(2)).add(worker);
                } else {
                    waiting.merge(key, 1, Integer::sum);
                }
            });
            forEachKey(p.handoff(), inHandoff::add);
        }
        return new Acknowledged(acked, waiting, inHandoff);
    }

    /** A job's replication as the API shows it: its first target's, {@code all} for every worker. */
    private static String replicationOf(ClusterView view, String job, List<TargetGroup> groups, int replication) {
        for (TargetGroup g : groups) {
            for (String address : g.targets()) {
                int i = view.assignment().targets().indexOf(Target.keyOf(job, address, Target.Scrape.of(g.labels())));
                if (i >= 0) {
                    int replicas = view.assignment().replicas(i);
                    return replicas == TargetSet.EVERY_WORKER ? "all" : Integer.toString(replicas);
                }
            }
        }
        return Integer.toString(replication);
    }

    /** Counts of exact, under and over targets. */
    private static final class Tally {
        private final String job;
        private final String replication;
        private int targets;
        private int covered;
        private int under;
        private int over;
        private int pending;
        private int handoffs;

        Tally(String job, String replication) {
            this.job = job;
            this.replication = replication;
        }

        /** Counts a target acknowledged by {@code n} workers that wants {@code want}; returns the sign of n - want. */
        int count(int n, int want) {
            targets++;
            if (n == want) {
                covered++;
            } else if (n < want) {
                under++;
            } else {
                over++;
            }
            return Integer.compare(n, want);
        }

        Coverage.Job job() {
            return new Coverage.Job(job, replication, targets, covered, under, over);
        }
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
