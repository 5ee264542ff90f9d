package io.promshard.client.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.promshard.client.Identifiers;
import java.util.ArrayList;
import java.util.List;

/**
 * The small znode {@code assignments/<worker>} that points at the compressed chunks of a worker's
 * {@link Share}. It is switched last, after every chunk it names exists, so a reader that
 * follows a manifest never sees a mix of versions; {@code sha256} (of the uncompressed share JSON)
 * lets it prove that. {@code targetCount} counts owned targets, {@code handoffCount} the targets kept
 * only until their new owners confirm them.
 *
 * <p>Version 1 names the chunks of the whole share. Version 2 carries a {@link Delta}: its chunks
 * (or, when small, the delta itself, inline) hold a {@link ShareDelta} against a base share
 * published earlier (whose chunks it names too), so that a rebalance writes what moved rather than
 * whole shares; {@code sha256} is still that of the resulting share's JSON.
 */
public record ShareManifest(int version, String worker, long epoch, List<String> jobs, int targetCount,
                                 int chunkCount, String sha256,
                                 @JsonInclude(JsonInclude.Include.NON_DEFAULT) int handoffCount,
                                 @JsonInclude(JsonInclude.Include.NON_NULL) Delta delta) {

    /** The format of a manifest naming a whole share. */
    public static final int FORMAT = 1;
    /** The format of a manifest naming a base share and a delta against it. */
    public static final int DELTA_FORMAT = 2;
    /**
     * The most chunks a manifest may name: 2 GiB of gzip at the default 512 KiB a chunk, beyond any
     * real share; a corrupt count is refused before a reader allocates for it.
     */
    public static final int MAX_CHUNKS = 4096;

    /**
     * The base a delta manifest applies to: the sha256 of its share JSON and its chunk count; and
     * the delta itself when it is small ({@code inline}: the base64 of what its one chunk would hold,
     * the gzip of the {@link ShareDelta}'s JSON; the manifest then names no chunk of its own, so that
     * a worker reads one znode, and the leader writes one, for a rebalance that moved a few of its
     * targets).
     */
    public record Delta(String base, int baseChunks, @JsonInclude(JsonInclude.Include.NON_NULL) String inline) {
        public Delta {
            if (base == null || !base.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("bad base sha256 " + base);
            }
            if (baseChunks < 1 || baseChunks > MAX_CHUNKS) {
                throw new IllegalArgumentException("baseChunks must be between 1 and " + MAX_CHUNKS + ", was "
                        + baseChunks);
            }
            if (inline != null && !inline.matches("[A-Za-z0-9+/]+=*")) {
                throw new IllegalArgumentException("inline delta is not base64");
            }
        }

        public Delta(String base, int baseChunks) {
            this(base, baseChunks, null);
        }

        /** Name of base chunk {@code i}: the name the base's own (version 1) manifest gave it. */
        public String chunkName(int i) {
            if (i < 0 || i >= baseChunks) {
                throw new IndexOutOfBoundsException("base chunk " + i + " of " + baseChunks);
            }
            return base.substring(0, 16) + "-" + i;
        }

        /** The version 1 manifest of the base, to read and verify it. */
        public ShareManifest manifest(String worker, long epoch) {
            return new ShareManifest(FORMAT, worker, epoch, List.of(), 0, baseChunks, base, 0, null);
        }
    }

    public ShareManifest {
        Identifiers.checkWorkerId(worker);
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
        boolean inline = delta != null && delta.inline() != null;
        if (chunkCount > MAX_CHUNKS) {
            throw new IllegalArgumentException("worker=" + worker + " epoch=" + epoch + ": chunk count " + chunkCount
                    + " is above the limit of " + MAX_CHUNKS);
        }
        if (inline ? chunkCount != 0 : chunkCount < 1) {
            throw new IllegalArgumentException("worker=" + worker + " epoch=" + epoch + ": chunkCount must be "
                    + (inline ? "0 with an inline delta" : ">= 1") + ", was " + chunkCount);
        }
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("worker=" + worker + " epoch=" + epoch + ": bad sha256 " + sha256);
        }
        if ((version == DELTA_FORMAT) != (delta != null)) {
            throw new IllegalArgumentException("worker=" + worker + " epoch=" + epoch + ": a version " + version
                    + " manifest " + (delta == null ? "needs" : "has no") + " delta");
        }
    }

    public ShareManifest(int version, String worker, long epoch, List<String> jobs, int targetCount,
                              int chunkCount, String sha256, int handoffCount) {
        this(version, worker, epoch, jobs, targetCount, chunkCount, sha256, handoffCount, null);
    }

    public ShareManifest(int version, String worker, long epoch, List<String> jobs, int targetCount,
                              int chunkCount, String sha256) {
        this(version, worker, epoch, jobs, targetCount, chunkCount, sha256, 0);
    }

    /** Owned and hand-off targets: what the worker's Prometheus scrapes. */
    public int scrapedCount() {
        return targetCount + handoffCount;
    }

    /**
     * Name of chunk {@code i} under {@code assignments/<worker>/}: content addressed, so a write is
     * idempotent. A delta's chunks are named by the share they produce and the base they apply to.
     */
    public String chunkName(int i) {
        if (i < 0 || i >= chunkCount) {
            throw new IndexOutOfBoundsException("chunk " + i + " of " + chunkCount);
        }
        return delta == null ? sha256.substring(0, 16) + "-" + i
                : sha256.substring(0, 16) + "-d" + delta.base().substring(0, 8) + "-" + i;
    }

    /** Every chunk this manifest needs: the base's, then its own. */
    public List<String> chunkNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; delta != null && i < delta.baseChunks(); i++) {
            names.add(delta.chunkName(i));
        }
        for (int i = 0; i < chunkCount; i++) {
            names.add(chunkName(i));
        }
        return names;
    }
}
