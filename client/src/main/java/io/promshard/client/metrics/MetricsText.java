package io.promshard.client.metrics;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes metrics in the Prometheus text exposition format (version 0.0.4): one {@code # HELP} and
 * {@code # TYPE} per family, then its samples, label values escaped. Families must be written whole,
 * one after the other. Not thread-safe: one instance per scrape.
 */
public final class MetricsText {

    /** The content type Prometheus expects for this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final StringBuilder out = new StringBuilder(4096);
    private final Set<String> families = new HashSet<>();

    /** Starts a family; {@code type} is counter, gauge or histogram. */
    public MetricsText family(String name, String type, String help) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name " + name);
        }
        if (!families.add(name)) {
            throw new IllegalStateException("metric family " + name + " written twice");
        }
        out.append("# HELP ").append(name).append(' ')
                .append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** A sample without labels. */
    public MetricsText sample(String name, double value) {
        return sample(name, Map.of(), value);
    }

    /** A sample with one label. */
    public MetricsText sample(String name, String label, String labelValue, double value) {
        return sample(name, Map.of(label, labelValue), value);
    }

    public MetricsText sample(String name, Map<String, String> labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
                if (!LABEL.matcher(e.getKey()).matches()) {
                    throw new IllegalArgumentException("invalid label name " + e.getKey());
                }
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(e.getKey()).append("=\"").append(escape(e.getValue())).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(format(value)).append('\n');
        return this;
    }

    /** A whole histogram family. */
    public MetricsText histogram(String name, String help, Histogram.Snapshot h) {
        family(name, "histogram", help);
        for (int i = 0; i < h.bounds().length; i++) {
            Map<String, String> le = new LinkedHashMap<>();
            le.put("le", format(h.bounds()[i]));
            sample(name + "_bucket", le, h.counts()[i]);
        }
        sample(name + "_bucket", "le", "+Inf", h.count());
        sample(name + "_sum", h.sum());
        return sample(name + "_count", h.count());
    }

    /** A whole histogram family with one histogram per value of {@code label}. */
    public MetricsText histograms(String name, String help, String label, Map<String, Histogram.Snapshot> byValue) {
        family(name, "histogram", help);
        byValue.forEach((value, h) -> {
            for (int i = 0; i < h.bounds().length; i++) {
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put(label, value);
                labels.put("le", format(h.bounds()[i]));
                sample(name + "_bucket", labels, h.counts()[i]);
            }
            Map<String, String> inf = new LinkedHashMap<>();
            inf.put(label, value);
            inf.put("le", "+Inf");
            sample(name + "_bucket", inf, h.count());
            sample(name + "_sum", label, value, h.sum());
            sample(name + "_count", label, value, h.count());
        });
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
