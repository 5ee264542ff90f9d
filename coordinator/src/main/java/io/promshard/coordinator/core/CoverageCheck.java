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

    /** Per target index: how many workers acknowledged it, how many wait to, whether one hands it off. */
    private record Counts(int[] acked, int[] waiting, boolean[] inHandoff, Map<String, int[]> ackedBy) {

        static Counts of(ClusterView view, Map<String, WorkerAck> acks, ShareIndexes indexes) {
            int size = view.assignment().targets().size();
            Counts counts = new Counts(new int[size], new int[size], new boolean[size], new TreeMap<>());
            indexes.scraped().forEach((worker, targets) -> {
                boolean applied = applied(view, acks, worker);
                int[] tally = applied ? counts.acked : counts.waiting;
                for (int i : targets) {
                    tally[i]++;
                }
                if (applied) {
                    counts.ackedBy.put(worker, targets);
                }
            });
            indexes.handoffs().forEach(targets -> {
                for (int i : targets) {
                    counts.inHandoff[i] = true;
                }
            });
            return counts;
        }
    }

    /**
     * Coverage counted per target index: acknowledging and waiting workers in arrays, the inventory
     * walked in its order beside the view's index of it, so no key is built or looked up.
     */
    private static Coverage byIndex(ClusterView view, Map<String, WorkerAck> acks, int replication, int limit,
                                    ShareIndexes indexes) {
        Assignment assignment = view.assignment();
        Counts counts = Counts.of(view, acks, indexes);
        Totals totals = new Totals(limit);
        List<Coverage.Job> jobs = new ArrayList<>();
        int[] index = view.inventoryIndex();
        int position = 0;
        for (var job : view.inventory().jobs().entrySet()) {
            Tally tally = new Tally(job.getKey(), replicationOf(view, job.getKey(), job.getValue(), replication));
            for (TargetGroup group : job.getValue()) {
                for (int end = position + group.targets().size(); position < end; position++) {
                    int i = index[position];
                    int want = i < 0 ? replication : assignment.wantedAmong(i, view.members());
                    int side = i < 0 ? totals.count(tally, 0, want, 0, false)
                            : totals.count(tally, counts.acked[i], want, counts.waiting[i], counts.inHandoff[i]);
                    if (totals.lists(side)) {
                        totals.list(side, new Coverage.Entry(Target.display(view.inventory().keys().get(position)),
                                i < 0 ? List.of() : holders(counts.ackedBy, i)));
                    }
                }
            }
            jobs.add(tally.job());
        }
        return totals.coverage(view, replication, jobs);
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
        Totals totals = new Totals(limit);
        List<Coverage.Job> jobs = new ArrayList<>();
        Assignment assignment = view.assignment();
        view.inventory().jobs().forEach((job, groups) -> {
            Tally tally = new Tally(job, replicationOf(view, job, groups, replication));
            forEachKey(Map.of(job, groups), key -> {
                int i = assignment.targets().indexOf(key);
                int want = i < 0 ? replication : assignment.wantedAmong(i, view.members());
                List<String> by = seen.acked().getOrDefault(key, List.of());
                int side = totals.count(tally, by.size(), want, seen.waiting().getOrDefault(key, 0),
                        seen.inHandoff().contains(key));
                if (totals.lists(side)) {
                    totals.list(side, new Coverage.Entry(Target.display(key), List.copyOf(by)));
                }
            });
            jobs.add(tally.job());
        });
        return totals.coverage(view, replication, jobs);
    }

    /** The whole inventory's tally, and the first under- and over-covered targets. */
    private static final class Totals {
        private final Tally all = new Tally("", "");
        private final List<Coverage.Entry> under = new ArrayList<>();
        private final List<Coverage.Entry> over = new ArrayList<>();
        private final int limit;

        Totals(int limit) {
            this.limit = limit;
        }

        /**
         * Counts a target that {@code acked} workers acknowledged, {@code waiting} more hold unacknowledged,
         * that wants {@code want}, in its job's tally and the totals; returns the sign of acked - want.
         */
        int count(Tally job, int acked, int want, int waiting, boolean inHandoff) {
            job.count(acked, want);
            int side = all.count(acked, want);
            if (side < 0 && acked + waiting >= want) {
                all.pending++;
            }
            if (side > 0 && inHandoff) {
                all.handoffs++;
            }
            return side;
        }

        /** Whether a target counted on {@code side} is still to be listed. */
        boolean lists(int side) {
            return side < 0 ? under.size() < limit : side > 0 && over.size() < limit;
        }

        void list(int side, Coverage.Entry entry) {
            (side < 0 ? under : over).add(entry);
        }

        Coverage coverage(ClusterView view, int replication, List<Coverage.Job> jobs) {
            return new Coverage(view.epoch(), replication, view.inventory().targetCount(), all.covered, all.under,
                    all.over, all.pending, all.handoffs, List.copyOf(under), List.copyOf(over), List.copyOf(jobs));
        }
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
