package io.promshard.coordinator.publish;

import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.filesd.FileSdDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The coordinator's file output: each live worker's share as {@code <dir>/<worker>/<job>.json}
 * (for workers whose Prometheus reads shared storage) and {@code <dir>/federation.json}, the
 * file_sd list of live workers' Prometheus servers for a master's {@code /federate} job. A departed
 * worker's directory is left as it was: its Prometheus, if still running, keeps scraping rather than
 * dropping targets (duplicates are preferred to gaps).
 */
public final class OutputWriter {

    /** Label naming the worker on each federation target. */
    public static final String WORKER_LABEL = "promshard_worker";
    /** Label naming the worker's zone on each federation target, when it has one. */
    public static final String ZONE_LABEL = "promshard_zone";

    private final FileSdDirectory root;

    public OutputWriter(Path directory) {
        this.root = new FileSdDirectory(directory);
    }

    public Path directory() {
        return root.path();
    }

    /** Writes each worker's files, removing job files that are no longer in its share. */
    public void writeShares(Map<String, Share> shares) throws IOException {
        for (Share share : shares.values()) {
            FileSdDirectory dir = new FileSdDirectory(root.fileFor(share.worker()).getParent().resolve(share.worker()));
            for (Map.Entry<String, List<TargetGroup>> job : share.jobs().entrySet()) {
                dir.write(job.getKey(), job.getValue());
            }
            for (String existing : dir.names()) {
                if (!share.jobs().containsKey(existing)) {
                    dir.delete(existing);
                }
            }
        }
    }

    /** Writes {@code federation.json}: one group per live worker, labelled with its id and zone. */
    public void writeFederation(Map<String, WorkerInfo> workers) throws IOException {
        List<TargetGroup> groups = new ArrayList<>();
        for (WorkerInfo w : workers.values()) {
            if (w.prometheusAddress().isEmpty()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            labels.put(WORKER_LABEL, w.id());
            if (!w.zone().isEmpty()) {
                labels.put(ZONE_LABEL, w.zone());
            }
            groups.add(TargetGroup.of(List.of(w.prometheusAddress()), labels));
        }
        root.write("federation", groups);
    }
}
