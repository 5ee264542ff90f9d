package io.promshard.client.zk;

import io.promshard.client.Json;
import io.promshard.client.api.SeriesReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code weights/<id>} znodes: a gzip JSON {@link SeriesReport}, never above {@link #MAX_BYTES}.
 * A report that would not fit keeps its heaviest targets (the ones that matter for balance; the
 * others weigh the mean, as unknown targets do).
 */
public final class SeriesReportCodec {

    /** Well under ZooKeeper's 1 MiB znode limit (jute.maxbuffer). */
    public static final int MAX_BYTES = 900 * 1024;
    /**
     * The most a report may inflate to: the JSON of {@link #MAX_BYTES} of gzip is some ten times larger;
     * a report beyond this is a gzip bomb, refused before it fills the coordinator's heap.
     */
    public static final long MAX_INFLATED_BYTES = 32L << 20;

    private SeriesReportCodec() {
    }

    public static byte[] encode(SeriesReport report) {
        SeriesReport r = report;
        while (true) {
            byte[] gz = ShareCodec.gzip(json(r));
            if (gz.length <= MAX_BYTES) {
                return gz;
            }
            r = heaviestHalf(r);
        }
    }

    public static SeriesReport decode(String path, byte[] data) throws CorruptShareException {
        try {
            SeriesReport r = Json.mapper().readValue(ShareCodec.gunzip(data, MAX_INFLATED_BYTES),
                    SeriesReport.class);
            if (r.version() != SeriesReport.FORMAT) {
                throw new CorruptShareException(path + ": series report version " + r.version()
                        + " is not supported (expected " + SeriesReport.FORMAT + ")");
            }
            return r;
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptShareException(path + ": unreadable series report: " + e.getMessage(), e);
        }
    }

    private static SeriesReport heaviestHalf(SeriesReport r) {
        List<String[]> all = new ArrayList<>();
        r.series().forEach((job, targets) -> targets.forEach((t, n) -> all.add(new String[] {job, t})));
        all.sort(Comparator.comparingLong((String[] e) -> -r.series().get(e[0]).get(e[1]))
                .thenComparing(e -> e[0]).thenComparing(e -> e[1]));
        SortedMap<String, SortedMap<String, Long>> kept = new TreeMap<>();
        for (String[] e : all.subList(0, all.size() / 2)) {
            kept.computeIfAbsent(e[0], j -> new TreeMap<>()).put(e[1], r.series().get(e[0]).get(e[1]));
        }
        return new SeriesReport(r.version(), r.worker(), r.atMillis(), kept);
    }

    private static byte[] json(SeriesReport r) {
        try {
            return Json.mapper().writeValueAsBytes(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
