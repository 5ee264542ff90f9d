package io.promshard.sidecar.prometheus;

import java.util.Optional;

/**
 * The local scraper's kind: the one configured ({@code prometheus.kind}), or, with {@code auto},
 * the one its readiness answer names, asked until it answers and then kept (a sidecar serves one
 * scraper for its whole life). Thread-safe.
 */
public final class Scraper {

    private final PrometheusClient client;
    private volatile ScraperKind kind;

    /** @param configured the configured kind, or null to detect it */
    public Scraper(PrometheusClient client, ScraperKind configured) {
        this.client = client;
        this.kind = configured;
    }

    /** The kind, detected on the first call the scraper answers ready; empty before. */
    public Optional<ScraperKind> kind() {
        ScraperKind known = kind;
        if (known == null && client != null) {
            known = client.detectKind().orElse(null);
            kind = known;
        }
        return Optional.ofNullable(known);
    }
}
