package io.promshard.sidecar.prometheus;

import io.dropwizard.lifecycle.Managed;
import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.service.Daemons;
import io.promshard.sidecar.assignment.Lingering;
import io.promshard.sidecar.assignment.ShareWatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A target that leaves this worker while the local Prometheus sees it down stays in the files until
 * Prometheus sees it up (or no longer knows it), or for at most {@code maxLinger}.
 *
 * <p>Why: when a target leaves a worker, its Prometheus resolves the target's alerts and resends
 * them as resolved for a quarter of an hour. At replication 2 the other replica's Prometheus still
 * fires the same alert (the replicas' alerts are identical once the replica labels are dropped),
 * and Alertmanager keeps whichever of the two it received last: a notification can say resolved
 * while the target is down, and firing again a moment later. A lingering target keeps this
 * worker's alert firing until the target is back, when every replica resolves it together; at
 * replication 1 it also bridges the new owner's {@code for:}. A target that is up leaves at once,
 * as it did before. Past {@code maxLinger} it leaves anyway (its alert then resolves here).
 *
 * <p>State is owned by the watcher's thread ({@link #extra}) and this class's own thread
 * ({@link #refresh}); both synchronize on this object.
 */
public final class LingeringTargets implements Lingering, Managed {

    private static final Logger LOG = LoggerFactory.getLogger(LingeringTargets.class);

    /** A target the share dropped, kept in the files since {@code sinceMillis}. */
    private record Lingerer(String job, TargetGroup group, long sinceMillis) {
    }

    private final PrometheusClient prometheus;
    private final Duration maxLinger;
    private final Duration interval;
    private final LongSupplier clock;
    private final String worker;
    private final Map<String, Lingerer> byKey = new TreeMap<>();
    private final ScheduledExecutorService executor = Daemons.singleThread("promshard-linger");
    private ShareWatcher watcher;

    /**
     * @param maxLinger the longest a departed down target stays
     * @param interval  how often to ask the local Prometheus whether the lingering targets are up
     */
    public LingeringTargets(PrometheusClient prometheus, String worker, Duration maxLinger, Duration interval,
                            LongSupplier clock) {
        this.prometheus = prometheus;
        this.worker = worker;
        this.maxLinger = maxLinger;
        this.interval = interval;
        this.clock = clock;
    }

    /** Keeps departed down targets in {@code watcher}'s files and refreshes them every interval once started. */
    public void attachTo(ShareWatcher watcher) {
        this.watcher = watcher;
        watcher.lingerWith(this);
    }

    @Override
    public void start() {
        executor.scheduleWithFixedDelay(this::refreshFiles, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** How many targets linger now. */
    public synchronized int count() {
        return byKey.size();
    }

    @Override
    public synchronized Map<String, List<TargetGroup>> extra(Share previous, Share next) {
        Set<String> kept = TargetIndex.of(next).keys();
        byKey.keySet().removeAll(kept);
        Set<String> departed = new HashSet<>(TargetIndex.of(previous).keys());
        departed.removeAll(kept);
        if (!departed.isEmpty()) {
            lingerWhileDown(previous, departed);
        }
        return groupsByJob();
    }

    /** Of {@code departed} (keys of {@code previous}), those the local Prometheus sees down start to linger. */
    private void lingerWhileDown(Share previous, Set<String> departed) {
        Set<String> down = downKeys(TargetIndex.of(previous));
        long now = clock.getAsLong();
        previous.scraped().forEach((job, groups) -> {
            for (TargetGroup g : groups) {
                Target.Scrape scrape = Target.Scrape.of(g.labels());
                for (String address : g.targets()) {
                    String key = Target.keyOf(job, address, scrape);
                    if (departed.contains(key) && down.contains(key)) {
                        byKey.putIfAbsent(key, new Lingerer(job, TargetGroup.of(List.of(address), g.labels()), now));
                    }
                }
            }
        });
        if (!byKey.isEmpty()) {
            LOG.info("worker={}: {} departed targets are down here and stay in the files until they are up "
                    + "(at most {})", worker, byKey.size(), maxLinger);
        }
    }

    /** The keys of {@code index} the local Prometheus reports down; none when it cannot be asked. */
    private Set<String> downKeys(TargetIndex index) {
        Set<String> down = new HashSet<>();
        try {
            for (PrometheusClient.DiscoveredTarget t : prometheus.targets()) {
                if (t.active() && "down".equals(t.health())) {
                    index.entryOf(t).ifPresent(e -> down.add(e.key()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("worker={}: cannot ask Prometheus which targets are down ({}); none lingers", worker, e.toString());
        }
        return down;
    }

    /** Drops the lingering targets that are no longer down or have lingered long enough; says whether any left. */
    synchronized boolean refresh() {
        if (byKey.isEmpty()) {
            return false;
        }
        Share lingering = new Share(Share.FORMAT, worker, new TreeMap<>(groupsByJob()), new TreeMap<>());
        Set<String> down = downKeys(TargetIndex.of(lingering));
        long now = clock.getAsLong();
        int before = byKey.size();
        byKey.entrySet().removeIf(e -> !down.contains(e.getKey())
                || now - e.getValue().sinceMillis() >= maxLinger.toMillis());
        if (byKey.size() != before) {
            LOG.info("worker={}: {} lingering targets left (up again or lingered {}), {} stay", worker,
                    before - byKey.size(), maxLinger, byKey.size());
        }
        return byKey.size() != before;
    }

    private void refreshFiles() {
        if (refresh() && watcher != null) {
            watcher.refreshFiles();
        }
    }

    private Map<String, List<TargetGroup>> groupsByJob() {
        Map<String, List<TargetGroup>> out = new HashMap<>();
        byKey.values().forEach(l -> out.computeIfAbsent(l.job(), j -> new ArrayList<>()).add(l.group()));
        return out;
    }
}
