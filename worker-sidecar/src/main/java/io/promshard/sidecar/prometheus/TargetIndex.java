package io.promshard.sidecar.prometheus;

import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The targets of an applied share, and how to recognise them among what the local Prometheus
 * discovered: by the file it read them from ({@code __meta_filepath}, whose name is
 * {@code <job>.json}), their {@code __address__}, their {@code __param_*} labels and, where the
 * group sets one, their {@code __metrics_path__}.
 */
public final class TargetIndex {

    /**
     * One target of the share. {@code path} is the group's metrics path, or null; {@code params}
     * its {@code __param_*} labels as a query ({@link Target.Scrape}), empty when none.
     */
    public record Entry(String job, String address, String path, String params, String key) {
    }

    private final Map<String, Map<String, List<Entry>>> byJob = new HashMap<>();
    private final Set<String> keys = new HashSet<>();

    private TargetIndex() {
    }

    /** Every target the share's files hold (owned and handed off). */
    public static TargetIndex of(Share share) {
        TargetIndex index = new TargetIndex();
        share.scraped().forEach((job, groups) -> {
            for (TargetGroup g : groups) {
                Target.Scrape scrape = Target.Scrape.of(g.labels());
                for (String address : g.targets()) {
                    Entry e = new Entry(job, address, scrape.metricsPath(), scrape.params(),
                            Target.keyOf(job, address, scrape));
                    if (index.keys.add(e.key())) {
                        index.byJob.computeIfAbsent(job, j -> new HashMap<>())
                                .computeIfAbsent(address, a -> new ArrayList<>(1)).add(e);
                    }
                }
            }
        });
        return index;
    }

    public Set<String> keys() {
        return Set.copyOf(keys);
    }

    public int size() {
        return keys.size();
    }

    /** The share target {@code t} is, if it came from one of this worker's files. */
    public Optional<Entry> entryOf(PrometheusClient.DiscoveredTarget t) {
        String file = t.filePath();
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path name = Path.of(file).getFileName();
        String n = name == null ? "" : name.toString();
        if (!n.endsWith(".json")) {
            return Optional.empty();
        }
        List<Entry> entries = byJob.getOrDefault(n.substring(0, n.length() - 5), Map.of()).get(t.address());
        if (entries == null) {
            return Optional.empty();
        }
        Entry fallback = null;
        String params = Target.Scrape.of(t.discoveredLabels()).params();
        for (Entry e : entries) {
            if (!e.params().equals(params)) {
                continue; // another probe of the same exporter
            }
            if (e.path() != null && e.path().equals(t.metricsPath())) {
                return Optional.of(e);
            }
            if (e.path() == null || e.path().isEmpty()) {
                fallback = e;
            }
        }
        return Optional.ofNullable(fallback);
    }

    /**
     * Keys not yet confirmed by {@code discovered}: a target is confirmed when Prometheus scrapes it
     * and has scraped it at least once, or when its relabelling dropped it (it will never be scraped
     * here, and waiting would only delay the hand-off).
     */
    public Set<String> unconfirmed(List<PrometheusClient.DiscoveredTarget> discovered) {
        Set<String> open = new HashSet<>(keys);
        for (PrometheusClient.DiscoveredTarget t : discovered) {
            if (!t.active() || t.scraped()) {
                entryOf(t).ifPresent(e -> open.remove(e.key()));
            }
        }
        return open;
    }
}
