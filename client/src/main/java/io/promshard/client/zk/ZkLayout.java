package io.promshard.client.zk;

import com.google.common.hash.Hashing;
import io.promshard.client.Identifiers;
import java.nio.charset.StandardCharsets;

/**
 * Where everything lives in ZooKeeper, below one root per cluster ({@code /promshard/<cluster>}
 * by default). Every name that comes from outside is validated before it becomes a path.
 *
 * <pre>
 * workers/&lt;id&gt;          ephemeral   WorkerInfo JSON
 * leader/                LeaderLatch coordinator election
 * state                  persistent  ClusterState JSON (epoch, leader, digests)
 * assignments/&lt;id&gt;      persistent  ShareManifest JSON
 * assignments/&lt;id&gt;/&lt;c&gt;  persistent  gzip chunk of a Share (a base) or of a ShareDelta
 * drains/&lt;id&gt;           persistent  present while an operator drains the worker
 * acks/&lt;id&gt;             ephemeral   WorkerAck JSON: epoch the worker has applied and confirmed
 * weights/&lt;id&gt;          persistent  gzip SeriesReport JSON: series per target its Prometheus observed
 * </pre>
 */
public record ZkLayout(String root) {

    public static final String DEFAULT_BASE = "/promshard";

    public ZkLayout {
        if (root == null || !root.startsWith("/") || root.endsWith("/") || root.contains("//")) {
            throw new IllegalArgumentException("invalid ZooKeeper root \"" + root + "\": must be an absolute path");
        }
    }

    public static ZkLayout forCluster(String cluster) {
        return new ZkLayout(DEFAULT_BASE + "/" + Identifiers.checkClusterName(cluster));
    }

    public String workers() {
        return root + "/workers";
    }

    public String worker(String id) {
        return workers() + "/" + Identifiers.checkWorkerId(id);
    }

    public String leader() {
        return root + "/leader";
    }

    public String state() {
        return root + "/state";
    }

    public String assignments() {
        return root + "/assignments";
    }

    public String assignment(String worker) {
        return assignments() + "/" + Identifiers.checkWorkerId(worker);
    }

    public String chunk(String worker, String chunkName) {
        if (!chunkName.matches("[0-9a-f]{16}-(d[0-9a-f]{8}-)?[0-9]{1,6}")) {
            throw new IllegalArgumentException("invalid chunk name \"" + chunkName + "\" for worker=" + worker);
        }
        return assignment(worker) + "/" + chunkName;
    }

    /**
     * An operator's confirmation of a large target drop: the digest of the inventory the leader may
     * publish although it lost more than {@code assignment.maxTargetDrop} of the targets in force.
     */
    public String dropConfirmation() {
        return root + "/drop-confirmed";
    }

    /** Operator drains: {@code drains/<id>} exists while worker {@code id} is to be emptied. */
    public String drains() {
        return root + "/drains";
    }

    public String drain(String worker) {
        return drains() + "/" + Identifiers.checkWorkerId(worker);
    }

    public String acks() {
        return root + "/acks";
    }

    public String ack(String worker) {
        return acks() + "/" + Identifiers.checkWorkerId(worker);
    }

    /** Learned series counts: {@code weights/<id>} holds worker {@code id}'s latest report. */
    public String weights() {
        return root + "/weights";
    }

    public String weight(String worker) {
        return weights() + "/" + Identifiers.checkWorkerId(worker);
    }

    /**
     * Refused registrations: {@code conflicts/<id>} (ephemeral) is written by a sidecar that found worker
     * {@code id} registered by another live sidecar process (a copied configuration), for the coordinators
     * to report.
     */
    public String conflicts() {
        return root + "/conflicts";
    }

    public String conflict(String worker) {
        return conflicts() + "/" + Identifiers.checkWorkerId(worker);
    }

    /**
     * The last good content of each inventory source (file, http_sd endpoint), one child per source
     * named by the first 32 hex digits of the sha256 of its name: a restarted or newly elected
     * coordinator keeps it while the source is refused.
     */
    public String lastGood() {
        return root + "/lastgood";
    }

    public String lastGood(String source) {
        return lastGood() + "/" + Hashing.sha256()
                .hashString(source, StandardCharsets.UTF_8).toString().substring(0, 32);
    }

    /** Parent of the REST-managed inventory, one child per job. */
    public String inventory() {
        return root + "/inventory";
    }

    public String inventory(String job) {
        return inventory() + "/" + job;
    }
}
