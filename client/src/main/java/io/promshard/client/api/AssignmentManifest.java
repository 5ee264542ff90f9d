package io.promshard.client.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.promshard.client.Identifiers;
import java.util.List;

/**
 * The small znode {@code assignments/<worker>} that points at the compressed chunks of a worker's
 * {@link ShardPayload}. It is switched last, after every chunk it names exists, so a reader that
 * follows a manifest never sees a mix of versions; {@code sha256} (of the uncompressed payload JSON)
 * lets it prove that. {@code targetCount} counts owned targets, {@code handoffCount} the targets kept
 * only until their new owners confirm them.
 */
public record AssignmentManifest(int version, String worker, long epoch, List<String> jobs, int targetCount,
                                 int chunkCount, String sha256,
                                 @JsonInclude(JsonInclude.Include.NON_DEFAULT) int handoffCount) {

    public static final int FORMAT = 1;

    public AssignmentManifest {
        Identifiers.checkWorkerId(worker);
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
        if (chunkCount < 1) {
            throw new IllegalArgumentException("worker=" + worker + " epoch=" + epoch
                    + ": chunkCount must be >= 1, was " + chunkCount);
        }
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("worker=" + worker + " epoch=" + epoch + ": bad sha256 " + sha256);
        }
    }

    public AssignmentManifest(int version, String worker, long epoch, List<String> jobs, int targetCount,
                              int chunkCount, String sha256) {
        this(version, worker, epoch, jobs, targetCount, chunkCount, sha256, 0);
    }

    /** Owned and hand-off targets: what the worker's Prometheus scrapes. */
    public int scrapedCount() {
        return targetCount + handoffCount;
    }

    /** Name of chunk {@code i} under {@code assignments/<worker>/}: content addressed, so a write is idempotent. */
    public String chunkName(int i) {
        if (i < 0 || i >= chunkCount) {
            throw new IndexOutOfBoundsException("chunk " + i + " of " + chunkCount);
        }
        return sha256.substring(0, 16) + "-" + i;
    }
}
