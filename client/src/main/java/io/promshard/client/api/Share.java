package io.promshard.client.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.google.common.collect.MapMaker;
import io.promshard.client.Identifiers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A worker's share of the assignment: the targets it scrapes, per job, in {@code file_sd} groups.
 * {@code jobs} is what the worker owns; {@code handoff} is what it keeps scraping only until the
 * targets' new owners have confirmed them (make-before-break), after which the coordinator
 * removes them. The sidecar writes both; the coordinator reads only {@code jobs} as
 * the assignment in force. It carries no epoch, so equal shares encode to equal bytes and an
 * unchanged share is recognised by its digest and not rewritten.
 */
public record Share(int version, String worker, SortedMap<String, List<TargetGroup>> jobs,
                    @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<String, List<TargetGroup>> handoff) {

    public static final int FORMAT = 1;

    public Share {
        Identifiers.checkWorkerId(worker);
        jobs = copy(jobs);
        handoff = copy(handoff);
    }

    public Share(int version, String worker, SortedMap<String, List<TargetGroup>> jobs) {
        this(version, worker, jobs, null);
    }

    private static SortedMap<String, List<TargetGroup>> copy(SortedMap<String, List<TargetGroup>> jobs) {
        TreeMap<String, List<TargetGroup>> copy = new TreeMap<>();
        if (jobs != null) {
            jobs.forEach((job, groups) -> copy.put(Identifiers.checkJobName(job), List.copyOf(groups)));
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    /**
     * The same share in canonical form: per job, groups with equal labels merged, targets sorted and
     * distinct within a group, groups ordered by their labels. Prometheus reads both alike (a target's
     * labels are its group's); the canonical form is what the coordinator publishes, so that a share
     * rebuilt from a base and a {@link ShareDelta} serializes, and hashes, exactly as a full one.
     */
    public Share canonical() {
        if (isCanonical()) {
            return this;
        }
        Share canonical = new Share(version, worker, canonical(jobs), canonical(handoff));
        KNOWN_CANONICAL.add(canonical);
        return canonical;
    }

    /**
     * Shares known to be in canonical form, by identity: an instance is checked once (the check
     * compares every target with the next: a million string comparisons when every share of a
     * million targets is published), and one built canonical is known without a check
     * ({@link #ofCanonical}). Weakly held, so a share no one holds any more is forgotten with it.
     */
    private static final Set<Share> KNOWN_CANONICAL = Collections.newSetFromMap(new MapMaker().weakKeys().makeMap());

    /**
     * A share its builder made canonical by construction (groups of distinct labels in
     * {@link #LABELS_ORDER}, each with its targets sorted and distinct), known as such without the
     * check. The builder's own tests must hold its output to {@link #formIsCanonical()}.
     */
    public static Share ofCanonical(String worker, SortedMap<String, List<TargetGroup>> jobs,
                                    SortedMap<String, List<TargetGroup>> handoff) {
        Share share = new Share(FORMAT, worker, jobs, handoff);
        KNOWN_CANONICAL.add(share);
        return share;
    }

    /** Whether this share is already in {@link #canonical()} form (checked once per instance). */
    @JsonIgnore
    public boolean isCanonical() {
        if (KNOWN_CANONICAL.contains(this)) {
            return true;
        }
        boolean canonical = formIsCanonical();
        if (canonical) {
            KNOWN_CANONICAL.add(this);
        }
        return canonical;
    }

    /** Whether this share's form is canonical, checked group by group and target by target, whatever is known. */
    public boolean formIsCanonical() {
        return isCanonical(jobs) && isCanonical(handoff);
    }

    /** Orders label sets: entry by entry (name, then value), a prefix first. */
    public static final Comparator<SortedMap<String, String>> LABELS_ORDER = (a, b) -> {
        if (a == b) {
            return 0; // groups derived from one inventory group share its labels
        }
        var x = a.entrySet().iterator();
        var y = b.entrySet().iterator();
        while (x.hasNext() && y.hasNext()) {
            var ex = x.next();
            var ey = y.next();
            int c = ex.getKey().compareTo(ey.getKey());
            if (c == 0) {
                c = ex.getValue().compareTo(ey.getValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return Boolean.compare(x.hasNext(), y.hasNext());
    };

    static SortedMap<String, List<TargetGroup>> canonical(SortedMap<String, List<TargetGroup>> jobs) {
        TreeMap<String, List<TargetGroup>> out = new TreeMap<>();
        jobs.forEach((job, groups) -> {
            if (isCanonical(groups)) {
                out.put(job, groups);
                return;
            }
            TreeMap<SortedMap<String, String>, List<String>> merged = new TreeMap<>(LABELS_ORDER);
            for (TargetGroup g : groups) {
                merged.computeIfAbsent(g.labels(), l -> new ArrayList<>()).addAll(g.targets());
            }
            List<TargetGroup> list = new ArrayList<>(merged.size());
            merged.forEach((labels, targets) -> {
                List<String> sorted = sortedDistinct(targets);
                if (!sorted.isEmpty()) {
                    list.add(new TargetGroup(sorted, labels));
                }
            });
            if (!list.isEmpty()) {
                out.put(job, list);
            }
        });
        return out;
    }

    /** The strings sorted, each once. */
    public static List<String> sortedDistinct(Collection<String> in) {
        String[] a = in.toArray(new String[0]);
        Arrays.sort(a);
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (n == 0 || !a[n - 1].equals(a[i])) {
                a[n++] = a[i];
            }
        }
        return Arrays.asList(a).subList(0, n);
    }

    private static boolean isCanonical(SortedMap<String, List<TargetGroup>> jobs) {
        for (List<TargetGroup> groups : jobs.values()) {
            if (!isCanonical(groups)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isCanonical(List<TargetGroup> groups) {
        if (groups.isEmpty()) {
            return false;
        }
        for (int i = 0; i < groups.size(); i++) {
            List<String> t = groups.get(i).targets();
            if (t.isEmpty() || i > 0 && LABELS_ORDER.compare(groups.get(i - 1).labels(), groups.get(i).labels()) >= 0) {
                return false;
            }
            if (!isSortedDistinct(t)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code strings} are in ascending order, each once. */
    public static boolean isSortedDistinct(List<String> strings) {
        for (int k = 1; k < strings.size(); k++) {
            if (strings.get(k - 1).compareTo(strings.get(k)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Number of owned targets over all jobs and groups (hand-off targets not counted). */
    public int targetCount() {
        return count(jobs);
    }

    /** Number of targets kept only until their new owners confirm them. */
    public int handoffCount() {
        return count(handoff);
    }

    /** What the worker's Prometheus scrapes: per job, the owned groups followed by the hand-off groups. */
    public SortedMap<String, List<TargetGroup>> scraped() {
        if (handoff.isEmpty()) {
            return jobs;
        }
        TreeMap<String, List<TargetGroup>> out = new TreeMap<>();
        jobs.forEach((job, groups) -> out.put(job, new ArrayList<>(groups)));
        handoff.forEach((job, groups) -> out.computeIfAbsent(job, j -> new ArrayList<>()).addAll(groups));
        return out;
    }

    private static int count(SortedMap<String, List<TargetGroup>> jobs) {
        int n = 0;
        for (List<TargetGroup> groups : jobs.values()) {
            for (TargetGroup g : groups) {
                n += g.targets().size();
            }
        }
        return n;
    }
}
