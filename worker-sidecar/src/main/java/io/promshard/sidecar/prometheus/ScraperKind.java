package io.promshard.sidecar.prometheus;

import java.util.Locale;

/**
 * The scraper a sidecar serves (its {@code prometheus.kind}), and what each can tell the sidecar.
 * All three read the sidecar's file_sd files and answer {@code /-/ready} and {@code /api/v1/targets}
 * (readiness, and the confirmation that ends a hand-off); they differ in where the samples per target
 * (the series weights) come from:
 * <ul>
 *   <li>{@link #PROMETHEUS}: its query API ({@code prometheus.seriesQuery});</li>
 *   <li>{@link #VMAGENT}: each target's {@code lastSamplesScraped} in {@code /api/v1/targets} (it has no
 *       query API);</li>
 *   <li>{@link #AGENT}: nowhere on the agent, which has no query API and no per-target counts: a
 *       remote storage's query API when {@code prometheus.seriesQueryUrl} is set, else none.</li>
 * </ul>
 */
public enum ScraperKind {
    PROMETHEUS, AGENT, VMAGENT;

    /** The kind a readiness answer names: VictoriaMetrics' and the agent's say so; anything else is Prometheus. */
    static ScraperKind ofReadiness(String body) {
        if (body.startsWith("VictoriaMetrics")) {
            return VMAGENT;
        }
        return body.startsWith("Prometheus Agent") ? AGENT : PROMETHEUS;
    }

    /** The kind named {@code name} in a configuration ({@code prometheus}, {@code agent}, {@code vmagent}). */
    public static ScraperKind named(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("prometheus.kind: \"" + name
                    + "\" is not one of auto, prometheus, agent, vmagent", e);
        }
    }

    /** The name a configuration, the status and the metrics use. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
