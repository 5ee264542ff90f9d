package io.promshard.client.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.promshard.client.Identifiers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The difference between two canonical {@link Share}s of one worker: per section (owned
 * {@code jobs}, {@code handoff}), per job, per label set, the targets added and removed. A
 * rebalance that moves a few targets changes a worker's share by a few entries; publishing this
 * against a base the worker already holds costs bytes in proportion to what moved, not to the
 * share. Applying it to the base gives the canonical next share exactly (same JSON, same digest).
 */
public record ShareDelta(int version, String worker,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<String, List<Change>> jobs,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<String, List<Change>> handoff) {

    public static final int FORMAT = 1;

    /** Targets added to and removed from the group with these labels (created or dropped as needed). */
    public record Change(SortedMap<String, String> labels,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> add,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> remove) {
        public Change {
            labels = Collections.unmodifiableSortedMap(labels == null ? new TreeMap<>() : new TreeMap<>(labels));
            add = add == null ? List.of() : List.copyOf(add);
            remove = remove == null ? List.of() : List.copyOf(remove);
        }
    }

    public ShareDelta {
        Identifiers.checkWorkerId(worker);
        jobs = copy(jobs);
        handoff = copy(handoff);
    }

    private static SortedMap<String, List<Change>> copy(SortedMap<String, List<Change>> in) {
        TreeMap<String, List<Change>> out = new TreeMap<>();
        if (in != null) {
            in.forEach((job, changes) -> out.put(Identifiers.checkJobName(job), List.copyOf(changes)));
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /** What turns {@code base} into {@code next}; both must be shares of the same worker. */
    public static ShareDelta between(Share base, Share next) {
        if (!base.worker().equals(next.worker())) {
            throw new IllegalArgumentException("delta between shares of " + base.worker() + " and " + next.worker());
        }
        Share b = base.canonical();
        Share n = next.canonical();
        return new ShareDelta(FORMAT, next.worker(), diff(b.jobs(), n.jobs()), diff(b.handoff(), n.handoff()));
    }

    /**
     * {@code base} with this delta applied, in canonical form.
     *
     * @throws IllegalArgumentException when the delta does not fit the base (a removed target it lacks, an added
     *                                  one it has, or another worker's base)
     */
    public Share applyTo(Share base) {
        if (!base.worker().equals(worker)) {
            throw new IllegalArgumentException("delta for " + worker + " applied to the share of " + base.worker());
        }
        Share b = base.canonical();
        return new Share(Share.FORMAT, worker, apply(b.jobs(), jobs, "jobs"),
                apply(b.handoff(), handoff, "handoff"));
    }

    /** Targets added plus targets removed, over both sections. */
    public int size() {
        return size(jobs) + size(handoff);
    }

    @JsonIgnore
    public boolean isEmpty() {
        return size() == 0;
    }

    private static int size(SortedMap<String, List<Change>> section) {
        int n = 0;
        for (List<Change> changes : section.values()) {
            for (Change c : changes) {
                n += c.add().size() + c.remove().size();
            }
        }
        return n;
    }

    /**
     * Per job, the changes from {@code base}'s groups to {@code next}'s, in label order. Both are
     * canonical (a job's groups strictly ascending by {@link Share#LABELS_ORDER}, targets sorted and
     * distinct), so a job is one merge walk over the two group lists and a group one over the two
     * target lists: no map of label sets is built (a share of a thousand targets may have a thousand
     * groups, and a rebalance diffs a hundred shares).
     */
    private static SortedMap<String, List<Change>> diff(SortedMap<String, List<TargetGroup>> base,
                                                        SortedMap<String, List<TargetGroup>> next) {
        TreeSet<String> jobNames = new TreeSet<>(base.keySet());
        jobNames.addAll(next.keySet());
        TreeMap<String, List<Change>> out = new TreeMap<>();
        for (String job : jobNames) {
            List<Change> changes = diff(base.getOrDefault(job, List.of()), next.getOrDefault(job, List.of()));
            if (!changes.isEmpty()) {
                out.put(job, changes);
            }
        }
        return out;
    }

    /** The changes from one job's canonical groups {@code was} to {@code is}. */
    private static List<Change> diff(List<TargetGroup> was, List<TargetGroup> is) {
        List<Change> changes = new ArrayList<>();
        int i = 0;
        int k = 0;
        while (i < was.size() || k < is.size()) {
            int c = i == was.size() ? 1 : k == is.size() ? -1
                    : Share.LABELS_ORDER.compare(was.get(i).labels(), is.get(k).labels());
            SortedMap<String, String> labels = c <= 0 ? was.get(i).labels() : is.get(k).labels();
            List<String> before = c <= 0 ? was.get(i++).targets() : List.of();
            List<String> after = c >= 0 ? is.get(k++).targets() : List.of();
            if (before != after && !before.equals(after)) {
                changes.add(change(labels, before, after));
            }
        }
        return changes;
    }

    /** The targets {@code after} adds to {@code before} and those it removes, both sorted and distinct: one merge walk. */
    private static Change change(SortedMap<String, String> labels, List<String> before, List<String> after) {
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        int i = 0;
        int k = 0;
        while (i < before.size() || k < after.size()) {
            int c = i == before.size() ? 1 : k == after.size() ? -1 : before.get(i).compareTo(after.get(k));
            if (c < 0) {
                remove.add(before.get(i++));
            } else if (c > 0) {
                add.add(after.get(k++));
            } else {
                i++;
                k++;
            }
        }
        return new Change(labels, add, remove);
    }

    private SortedMap<String, List<TargetGroup>> apply(SortedMap<String, List<TargetGroup>> base,
                                                      SortedMap<String, List<Change>> section, String name) {
        if (section.isEmpty()) {
            return base;
        }
        TreeMap<String, List<TargetGroup>> out = new TreeMap<>(base);
        section.forEach((job, changes) -> {
            List<TargetGroup> groups = apply(base.getOrDefault(job, List.of()), changes, name, job);
            if (groups.isEmpty()) {
                out.remove(job);
            } else {
                out.put(job, groups);
            }
        });
        return out;
    }

    /**
     * One job's canonical groups with {@code changes} applied, canonical again: the changes in label
     * order (as {@link #between} makes them; one read from elsewhere may come in any order, and
     * changes of one label set apply one after the other), then one merge walk beside the groups.
     */
    private List<TargetGroup> apply(List<TargetGroup> groups, List<Change> changes, String name, String job) {
        List<Change> ordered = new ArrayList<>(changes);
        ordered.sort(Comparator.comparing(Change::labels, Share.LABELS_ORDER)); // stable: same labels keep their order
        List<TargetGroup> out = new ArrayList<>(groups.size() + ordered.size());
        int i = 0;
        SortedMap<String, String> last = null; // the labels of the previous change, whose group out may end with
        List<String> lastTargets = List.of();
        for (Change c : ordered) {
            while (i < groups.size() && Share.LABELS_ORDER.compare(groups.get(i).labels(), c.labels()) < 0) {
                out.add(groups.get(i++));
            }
            List<String> current;
            if (last != null && Share.LABELS_ORDER.compare(last, c.labels()) == 0) {
                current = lastTargets; // a second change of the same label set applies to the first one's result
                if (!current.isEmpty()) {
                    out.remove(out.size() - 1);
                }
            } else if (i < groups.size() && Share.LABELS_ORDER.compare(groups.get(i).labels(), c.labels()) == 0) {
                current = groups.get(i++).targets();
            } else {
                current = List.of();
            }
            List<String> targets = merge(current, c, name, job);
            if (!targets.isEmpty()) {
                out.add(new TargetGroup(targets, c.labels()));
            }
            last = c.labels();
            lastTargets = targets;
        }
        while (i < groups.size()) {
            out.add(groups.get(i++));
        }
        return List.copyOf(out);
    }

    /** {@code base} (sorted, distinct) without the change's removals and with its additions: one merge walk. */
    private List<String> merge(List<String> base, Change c, String section, String job) {
        List<String> remove = Share.sortedDistinct(c.remove());
        List<String> add = Share.sortedDistinct(c.add());
        List<String> out = new ArrayList<>(base.size() + add.size());
        int r = 0;
        int a = 0;
        for (String t : base) {
            while (a < add.size() && add.get(a).compareTo(t) < 0) {
                out.add(add.get(a++));
            }
            if (a < add.size() && add.get(a).equals(t)) {
                throw new IllegalArgumentException(where(section, job) + ": adds " + t + ", which the base has already");
            }
            if (r < remove.size() && remove.get(r).compareTo(t) < 0) {
                throw new IllegalArgumentException(where(section, job) + ": removes " + remove.get(r)
                        + ", which the base does not have");
            }
            if (r < remove.size() && remove.get(r).equals(t)) {
                r++;
            } else {
                out.add(t);
            }
        }
        if (r < remove.size()) {
            throw new IllegalArgumentException(where(section, job) + ": removes " + remove.get(r)
                    + ", which the base does not have");
        }
        while (a < add.size()) {
            out.add(add.get(a++));
        }
        return out;
    }

    private String where(String section, String job) {
        return "delta for worker=" + worker + " " + section + "/" + job;
    }
}
