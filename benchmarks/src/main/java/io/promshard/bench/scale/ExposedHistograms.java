package io.promshard.bench.scale;

import io.promshard.client.metrics.Histogram;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Histograms read back from a {@code /metrics} page in Prometheus' text format, as the services
 * write them (one family, an optional label besides {@code le}), and their figures for the harness.
 */
final class ExposedHistograms {

    private ExposedHistograms() {
    }

    /**
     * The histograms of family {@code name} in {@code text}, by the value of {@code label} (the empty
     * string when the family has no such label).
     */
    static Map<String, Histogram.Snapshot> parse(String text, String name, String label) {
        Pattern bucket = Pattern.compile("^" + Pattern.quote(name) + "_bucket\\{(.*)} (\\S+)$", Pattern.MULTILINE);
        Pattern labelValue = Pattern.compile(Pattern.quote(label) + "=\"([^\"]*)\"");
        Pattern le = Pattern.compile("le=\"([^\"]*)\"");
        Map<String, TreeMap<Double, Long>> buckets = new TreeMap<>();
        Matcher m = bucket.matcher(text);
        while (m.find()) {
            Matcher v = labelValue.matcher(m.group(1));
            Matcher l = le.matcher(m.group(1));
            if (!l.find()) {
                continue;
            }
            double bound = l.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(l.group(1));
            buckets.computeIfAbsent(v.find() ? v.group(1) : "", k -> new TreeMap<>())
                    .put(bound, (long) Double.parseDouble(m.group(2)));
        }
        Map<String, Histogram.Snapshot> out = new LinkedHashMap<>();
        buckets.forEach((value, counts) -> {
            List<Double> bounds = new ArrayList<>(counts.keySet());
            bounds.remove(Double.POSITIVE_INFINITY);
            long total = counts.getOrDefault(Double.POSITIVE_INFINITY, 0L);
            out.put(value, new Histogram.Snapshot(bounds.stream().mapToDouble(Double::doubleValue).toArray(),
                    bounds.stream().mapToLong(counts::get).toArray(), sum(text, name, label, value), total));
        });
        return out;
    }

    private static double sum(String text, String name, String label, String value) {
        String labels = value.isEmpty() ? "" : "\\{" + Pattern.quote(label) + "=\"" + Pattern.quote(value) + "\"}";
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "_sum" + labels + " (\\S+)$", Pattern.MULTILINE)
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** Count, mean, and the p50 and p99 as {@code histogram_quantile} estimates them, in ms. */
    static Map<String, Object> figures(Histogram.Snapshot h) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("count", h.count());
        f.put("mean_ms", h.count() == 0 ? -1 : round(1000 * h.sum() / h.count()));
        f.put("p50_ms", h.count() == 0 ? -1 : round(1000 * h.quantile(0.5)));
        f.put("p99_ms", h.count() == 0 ? -1 : round(1000 * h.quantile(0.99)));
        return f;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
