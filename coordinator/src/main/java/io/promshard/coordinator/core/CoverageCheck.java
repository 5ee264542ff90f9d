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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
        return compute(view, acks, replication, limit, new ShareIndexes());
    }

    /**
     * As {@link #compute(ClusterView, Map, int, int)}, with the shares' targets as indexes into the
     * view's target set kept in {@code indexes} across calls: an unchanged share (the same object
     * under the same target set) is not listed again. When the assignment's target set is exactly
     * the inventory's, coverage is then counted per index, in a pass over arrays (a million targets
     * without a string or a map entry per target); otherwise key by key.
     */
    public static Coverage compute(ClusterView view, Map<String, WorkerAck> acks, int replication, int limit,
                                   ShareIndexes indexes) {
        TargetSet set = view.assignment().targets();
        if (set.size() == 0 || set.size() != view.inventory().targetCount()) {
            return byKey(view, acks, replication, limit);
        }
        indexes.update(view);
        return byIndex(view, acks, replication, limit, indexes);
    }

    /**
     * Each worker's share as ascending indexes into a target set (its scraped targets, and those of
     * them in hand-off), kept for as long as the share object and the target set are the same.
     */
    public static final class ShareIndexes {
        private record Indexed(Share share, TargetSet set, int[] scraped, int[] handoff) {
        }

        private final Map<String, Indexed> byWorker = new HashMap<>();

        synchronized void update(ClusterView view) {
            TargetSet set = view.assignment().targets();
            byWorker.keySet().retainAll(view.shares().keySet());
            view.shares().forEach((worker, share) -> {
                Indexed known = byWorker.get(worker);
                if (known == null || known.share() != share || known.set() != set) {
                    byWorker.put(worker, new Indexed(share, set, indexesOf(set, share.scraped()),
                            indexesOf(set, share.handoff())));
                }
            });
        }

        synchronized Map<String, int[]> scraped() {
            Map<String, int[]> out = new TreeMap<>();
            byWorker.forEach((w, i) -> out.put(w, i.scraped()));
            return out;
        }

        synchronized List<int[]> handoffs() {
            return byWorker.values().stream().map(Indexed::handoff).toList();
        }

        private static int[] indexesOf(TargetSet set, Map<String, List<TargetGroup>> jobs) {
            List<Integer> out = new ArrayList<>();
            forEachKey(jobs, key -> {
                int i = set.indexOf(key);
                if (i >= 0) {
                    out.add(i);
                }
            });
            return out.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
    }

    /** Coverage counted per target index: acknowledging and waiting workers in arrays. */
    private static Coverage byIndex(ClusterView view, Map<String, WorkerAck> acks, int replication, int limit,
                                    ShareIndexes indexes) {
        Assignment assignment = view.assignment();
        TargetSet set = assignment.targets();
        int[] acked = new int[set.size()];
        int[] waiting = new int[set.size()];
        boolean[] inHandoff = new boolean[set.size()];
        Map<String, int[]> scraped = indexes.scraped();
        Map<String, int[]> ackedBy = new TreeMap<>();
        scraped.forEach((worker, targets) -> {
            boolean applied = applied(view, acks, worker);
            int[] counts = applied ? acked : waiting;
            for (int i : targets) {
                counts[i]++;
            }
            if (applied) {
                ackedBy.put(worker, targets);
            }
        });
        indexes.handoffs().forEach(targets -> {
            for (int i : targets) {
                inHandoff[i] = true;
            }
        });
        Tally all = new Tally("", "");
        Map<String, Tally> jobs = new LinkedHashMap<>();
        view.inventory().jobs().forEach((job, groups) -> jobs.put(job, new Tally(job,
                replicationOf(view, job, groups, replication))));
        List<Coverage.Entry> underList = new ArrayList<>();
        List<Coverage.Entry> overList = new ArrayList<>();
        Tally tally = null;
        for (String key : view.inventory().keys()) { // in inventory order, as the lists are
            if (tally == null || !Target.isOfJob(key, tally.job)) {
                tally = jobs.get(Target.jobOf(key));
            }
            int i = set.indexOf(key);
            int want = i < 0 ? replication : assignment.wantedAmong(i, view.members());
            int n = i < 0 ? 0 : acked[i];
            tally.count(n, want);
            int side = all.count(n, want);
            if (side < 0 && n + (i < 0 ? 0 : waiting[i]) >= want) {
                all.pending++;
            }
            if (side > 0 && inHandoff[i]) {
                all.handoffs++;
            }
            List<Coverage.Entry> list = side < 0 ? underList : side > 0 ? overList : null;
            if (list != null && list.size() < limit) {
                list.add(new Coverage.Entry(Target.display(key), holders(ackedBy, i)));
            }
        }
        return new Coverage(view.epoch(), replication, view.inventory().targetCount(), all.covered, all.under,
                all.over, all.pending, all.handoffs, List.copyOf(underList), List.copyOf(overList),
                jobs.values().stream().map(Tally::job).toList());
    }

    /** The workers, by id, whose acknowledged share holds target {@code i}. */
    private static List<String> holders(Map<String, int[]> ackedBy, int i) {
        List<String> out = new ArrayList<>();
        ackedBy.forEach((worker, targets) -> {
            if (java.util.Arrays.binarySearch(targets, i) >= 0) {
                out.add(worker);
            }
        });
        return List.copyOf(out);
    }

    private static boolean applied(ClusterView view, Map<String, WorkerAck> acks, String worker) {
        WorkerAck ack = acks.get(worker);
        return ack != null && ack.epoch() >= view.shareEpochs().getOrDefault(worker, Long.MAX_VALUE);
    }

    /** Coverage counted key by key, for a view whose target set is not exactly the inventory's. */
    static Coverage byKey(ClusterView view, Map<String, WorkerAck> acks, int replication, int limit) {
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
            boolean applied = applied(view, acks, worker);
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
