package io.promshard.client.api;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Identity of one scrape target: its job, its {@code __address__}, when set its
 * {@code __metrics_path__}, and its {@code __param_*} labels: what makes the scrape's URL. Never
 * the other labels: relabelling a target's labels must not move it. (The parameters matter: a
 * blackbox exporter's probes all share one address and differ by {@code __param_target}.)
 */
public final class Target {

    private Target() {
    }

    private static final char SEP = '\u0000';

    /** The assignment key of a target. */
    public static String key(String job, String address, String metricsPath) {
        StringBuilder sb = new StringBuilder(job.length() + address.length() + 2).append(job).append(SEP).append(address);
        if (metricsPath != null && !metricsPath.isEmpty() && !metricsPath.equals("/metrics")) {
            sb.append(SEP).append(metricsPath);
        }
        return sb.toString();
    }

    /**
     * The scrape-defining part of a group's labels, computed once per group: its metrics path and its
     * {@code __param_*} labels as a sorted query string (empty when none).
     */
    public record Scrape(String metricsPath, String params) {

        private static final Scrape DEFAULT = new Scrape(null, "");

        public static Scrape of(Map<String, String> labels) {
            StringBuilder query = new StringBuilder();
            SortedMap<String, String> sorted = labels instanceof SortedMap<String, String> m
                    ? m : new TreeMap<>(labels);
            for (Map.Entry<String, String> e : sorted.tailMap("__param_").entrySet()) {
                if (!e.getKey().startsWith("__param_")) {
                    break;
                }
                query.append(query.length() == 0 ? "" : "&").append(e.getKey().substring(8)).append('=').append(e.getValue());
            }
            String path = labels.get("__metrics_path__");
            return path == null && query.length() == 0 ? DEFAULT : new Scrape(path, query.toString());
        }
    }

    /** The assignment key of a target of a group whose scrape labels are {@code scrape}. */
    public static String keyOf(String job, String address, Scrape scrape) {
        String base = key(job, address, scrape.metricsPath());
        if (scrape.params().isEmpty()) {
            return base;
        }
        String path = scrape.metricsPath() == null || scrape.metricsPath().isEmpty() ? "/metrics" : scrape.metricsPath();
        return job + SEP + address + SEP + path + SEP + "?" + scrape.params();
    }

    /** The assignment key of a target with these labels (its group's). */
    public static String keyOf(String job, String address, Map<String, String> labels) {
        return keyOf(job, address, Scrape.of(labels));
    }

    /** The job of target key {@code key}: what precedes its first separator. */
    public static String jobOf(String key) {
        return key.substring(0, key.indexOf(SEP));
    }

    /** A key as a person reads it: {@code job/address[/path]}. */
    public static String display(String key) {
        return key.replace(SEP, '/');
    }
}
