package io.promshard.coordinator.core;

import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import com.google.common.collect.Maps;
import io.promshard.coordinator.assign.Assignment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Make-before-break. When a planned change takes a target from worker A to worker B, A keeps
 * scraping it (as a hand-off target of its share) until B acknowledges an epoch that includes it,
 * or until the hand-off timeout passes; only then does a later epoch remove it from A. A's
 * Prometheus therefore stops scraping the target only after B's has scraped it at least once.
 * A previous owner that can no longer scrape (gone, or its Prometheus withdrawn) keeps nothing:
 * a crash cannot be bridged.
 *
 * <p>Owned by the coordinator's single thread. Holds one entry per moving target, so its size
 * is bounded by what moves at once (see the movement budget).
 */
final class Handoffs {

    /**
     * @param from        previous owners that keep scraping the target meanwhile
     * @param waitEpoch   the epoch that gave the target its current owners
     * @param deadline    when the hand-off ends without confirmation (epoch millis)
     * @param confirmedAt when every current owner was first seen to confirm it (epoch millis), or
     *                    {@link Long#MAX_VALUE} while one has not
     */
    record Retained(List<String> from, long waitEpoch, long deadline, long confirmedAt) {

        Retained(List<String> from, long waitEpoch, long deadline) {
            this(from, waitEpoch, deadline, Long.MAX_VALUE);
        }

        boolean confirmed() {
            return confirmedAt != Long.MAX_VALUE;
        }

        /** When this entry must be looked at again: its timeout, or the end of its batch once confirmed. */
        long nextLook() {
            return confirmed() ? Math.min(deadline, confirmedAt + BATCH_MILLIS) : deadline;
        }
    }

    /**
     * How long a confirmed hand-off waits for the others of its epoch. The hand-offs one event starts
     * (a leave's or a drain's targets, moving to many new owners) are confirmed one new owner at a
     * time, as each Prometheus scrapes them; ending each as it comes would rewrite the previous owner's
     * share once per confirmation. They end together instead, in one epoch, once the last is confirmed,
     * or this long after the first was, whichever comes first: the previous owner scrapes the confirmed
     * targets a little longer, which make-before-break already allows. A new owner that already held
     * its target (in hand-off from an earlier move) confirms at once while the others confirm a scrape
     * interval later, so the wait spans a common scrape interval (with 5 s, a leave at 1,000 workers
     * scraped every 10 s still took an extra epoch). A leave or a drain waits for its last confirmation
     * anyway, so the wait delays neither.
     */
    static final long BATCH_MILLIS = 15_000;

    /** What one {@link #release} pass ended. */
    record Released(int confirmed, int timedOut, int dropped) {
        int total() {
            return confirmed + timedOut + dropped;
        }
    }

    private final long timeoutMillis;
    private final Map<String, Retained> byKey = new HashMap<>();
    /** Workers whose hand-off targets changed since {@link #takeChanged()} was last called. */
    private final Set<String> changed = new HashSet<>();

    Handoffs(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** Forgets everything, then takes the hand-offs a previous leader published, all waiting for {@code epoch}. */
    void load(Map<String, Share> published, long epoch, long now) {
        byKey.clear();
        changed.clear();
        published.forEach((worker, share) -> share.handoff().forEach((job, groups) -> {
            for (TargetGroup g : groups) {
                Target.Scrape scrape = Target.Scrape.of(g.labels());
                for (String address : g.targets()) {
                    String key = Target.keyOf(job, address, scrape);
                    Retained r = byKey.get(key);
                    List<String> from = new ArrayList<>(r == null ? List.of() : r.from());
                    from.add(worker);
                    byKey.put(key, new Retained(List.copyOf(from), epoch, now + timeoutMillis));
                }
            }
        }));
    }

    /**
     * What {@link #record} saw: the workers whose owned targets changed (previous and new owners of
     * every changed target), and the placements moved (new owners of targets present before and after,
     * as {@link Assignment#movedFrom} counts them).
     */
    record Recorded(Set<String> touched, long moved) {
    }

    /**
     * Records the moves from {@code before} to {@code after} (to be published as {@code epoch}):
     * every previous owner that lost a target and {@code mayScrape} keeps it for now.
     */
    Recorded record(Assignment before, Assignment after, Predicate<String> mayScrape, long epoch, long now) {
        Recorder recorder = new Recorder(mayScrape, epoch, now);
        after.forEachChange(before, recorder);
        return new Recorded(recorder.touched, recorder.moved);
    }

    /** One pass of {@link #record} over the changed targets. */
    private final class Recorder implements Assignment.ChangeConsumer {
        private final Predicate<String> mayScrape;
        private final long epoch;
        private final long now;
        private final Set<String> touched = new HashSet<>();
        private long moved;

        Recorder(Predicate<String> mayScrape, long epoch, long now) {
            this.mayScrape = mayScrape;
            this.epoch = epoch;
            this.now = now;
        }

        @Override
        public void accept(int index, String key, List<String> was, List<String> is) {
            touched.addAll(was);
            touched.addAll(is);
            for (String w : is) {
                moved += was.contains(w) ? 0 : 1;
            }
            Retained r = byKey.get(key);
            List<String> from = new ArrayList<>(r == null ? List.of() : r.from());
            for (String w : was) {
                if (!is.contains(w) && mayScrape.test(w) && !from.contains(w)) {
                    from.add(w);
                }
            }
            from.removeAll(is);
            from.sort(null);
            if (r != null) {
                changed.addAll(r.from());
            }
            changed.addAll(from);
            if (from.isEmpty()) {
                byKey.remove(key);
            } else {
                byKey.put(key, new Retained(List.copyOf(from), epoch, now + timeoutMillis));
            }
        }
    }

    /**
     * Ends the hand-offs that are done: every current owner acknowledged an epoch at least the one that
     * gave it the target (the earlier of {@code waitEpoch} and the owner's own manifest epoch, since an
     * owner whose share did not change since already had the target), and every other hand-off of the
     * same epoch is confirmed too or {@link #BATCH_MILLIS} passed since this one was; or the timeout
     * passed; or no previous owner can still scrape. Entries waiting for an epoch after
     * {@code publishedEpoch} are not yet published and stay.
     *
     * @param ack           a worker's acknowledged epoch, -1 when it has none
     * @param manifestEpoch the epoch of a worker's published manifest, -1 when it has none
     */
    Released release(Assignment desired, long publishedEpoch, ToLongFunction<String> ack,
                     ToLongFunction<String> manifestEpoch, Predicate<String> mayScrape, long now) {
        int dropped = dropUnscrapable(desired, mayScrape);
        Set<Long> unconfirmedEpochs = markConfirmed(desired, publishedEpoch, ack, manifestEpoch, now);
        int confirmed = 0;
        int timedOut = 0;
        for (var it = byKey.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Retained r = e.getValue();
            if (r.waitEpoch() > publishedEpoch) {
                continue;
            }
            boolean batchDone = !unconfirmedEpochs.contains(r.waitEpoch()) || now >= r.confirmedAt() + BATCH_MILLIS;
            if (r.confirmed() && batchDone) {
                changed.addAll(r.from());
                it.remove();
                confirmed++;
            } else if (now >= r.deadline()) {
                changed.addAll(r.from());
                it.remove();
                timedOut++;
            }
        }
        return new Released(confirmed, timedOut, dropped);
    }

    /**
     * Drops the hand-offs no previous owner can still serve (gone, withdrawn, or an owner again), or
     * whose target left, and forgets the previous owners that can no longer scrape; returns how many it dropped.
     */
    private int dropUnscrapable(Assignment desired, Predicate<String> mayScrape) {
        int dropped = 0;
        for (var it = byKey.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Retained r = e.getValue();
            List<String> owners = desired.owners(e.getKey());
            List<String> from = r.from().stream().filter(w -> mayScrape.test(w) && !owners.contains(w)).toList();
            if (from.isEmpty() || desired.targets().indexOf(e.getKey()) < 0) {
                changed.addAll(r.from());
                it.remove();
                dropped++;
            } else if (from.size() != r.from().size()) {
                changed.addAll(r.from());
                e.setValue(new Retained(from, r.waitEpoch(), r.deadline(), r.confirmedAt()));
            }
        }
        return dropped;
    }

    /**
     * Marks the published hand-offs whose current owners all confirmed them (at {@code now}, the first
     * time); returns the epochs with a published hand-off still unconfirmed within its timeout.
     */
    private Set<Long> markConfirmed(Assignment desired, long publishedEpoch, ToLongFunction<String> ack,
                                    ToLongFunction<String> manifestEpoch, long now) {
        Set<Long> unconfirmedEpochs = new HashSet<>();
        for (var e : byKey.entrySet()) {
            Retained r = e.getValue();
            if (r.waitEpoch() > publishedEpoch || r.confirmed()) {
                continue;
            }
            List<String> owners = desired.owners(e.getKey());
            boolean done = !owners.isEmpty();
            for (String n : owners) {
                long need = Math.min(r.waitEpoch(), Math.max(0, manifestEpoch.applyAsLong(n)));
                done &= ack.applyAsLong(n) >= need;
            }
            if (done) {
                e.setValue(new Retained(r.from(), r.waitEpoch(), r.deadline(), now));
            } else if (now < r.deadline()) {
                unconfirmedEpochs.add(r.waitEpoch());
            }
        }
        return unconfirmedEpochs;
    }

    /** Targets (by key) that previous owners keep scraping, and those owners: a view, valid until the next change. */
    Map<String, List<String>> extras() {
        return Collections.unmodifiableMap(Maps.transformValues(byKey,
                Retained::from));
    }

    /** The workers whose hand-off targets changed since the last call (by record, release), and forgets them. */
    Set<String> takeChanged() {
        Set<String> out = Set.copyOf(changed);
        changed.clear();
        return out;
    }

    /** Whether a previous owner still scrapes target {@code key} while its new owners take it over. */
    boolean handingOff(String key) {
        return byKey.containsKey(key);
    }

    int size() {
        return byKey.size();
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }

    /**
     * When a hand-off must be looked at again without an acknowledgement: the earliest timeout or end
     * of a confirmed batch, or {@link Long#MAX_VALUE} when nothing is handed off.
     */
    long nextDeadline() {
        return byKey.values().stream().mapToLong(Retained::nextLook).min().orElse(Long.MAX_VALUE);
    }
}
