package io.promshard.client.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.promshard.client.Identifiers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The targets one worker scrapes, per job, in {@code file_sd} groups: the content of a worker's
 * assignment. {@code jobs} is what the worker owns; {@code handoff} is what it keeps scraping only
 * until the targets' new owners have confirmed them (make-before-break), after which the
 * coordinator removes them. The sidecar writes both; the coordinator reads only {@code jobs} as
 * the assignment in force. It carries no epoch, so equal shares encode to equal bytes and an
 * unchanged share is recognised by its digest and not rewritten.
 */
public record ShardPayload(int version, String worker, SortedMap<String, List<TargetGroup>> jobs,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<String, List<TargetGroup>> handoff) {

    public static final int FORMAT = 1;

    public ShardPayload {
        Identifiers.checkWorkerId(worker);
        jobs = copy(jobs);
        handoff = copy(handoff);
    }

    public ShardPayload(int version, String worker, SortedMap<String, List<TargetGroup>> jobs) {
        this(version, worker, jobs, null);
    }

    private static SortedMap<String, List<TargetGroup>> copy(SortedMap<String, List<TargetGroup>> jobs) {
        TreeMap<String, List<TargetGroup>> copy = new TreeMap<>();
        if (jobs != null) {
            jobs.forEach((job, groups) -> copy.put(Identifiers.checkJobName(job), List.copyOf(groups)));
        }
        return Collections.unmodifiableSortedMap(copy);
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
