package io.promshard.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The figures the end-to-end suites print as their {@code E2E} JSON lines. */
final class Figures {

    private Figures() {
    }

    /** p50, p90, p99, max and count of {@code values} (nearest rank); empty when there are none. */
    static Map<String, Double> percentiles(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        Map<String, Double> out = new LinkedHashMap<>();
        if (v.isEmpty()) {
            return out;
        }
        for (double p : new double[] {0.5, 0.9, 0.99}) {
            out.put("p" + Math.round(p * 100), v.get((int) Math.min(v.size() - 1, Math.floor(p * v.size()))));
        }
        out.put("max", v.get(v.size() - 1));
        out.put("count", (double) v.size());
        return out;
    }
}
