package io.promshard.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The example configurations a release ships ({@code etc/coordinator.yml}, {@code etc/sidecar.yml}),
 * pointed at a scratch machine: the coordinator with its embedded ZooKeeper and one job read from a
 * scratch inventory directory, the sidecar without a Prometheus, every port and directory a scratch
 * one. Everything else stays as shipped, so a release whose examples do not start fails here.
 */
final class ShippedConfigs {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Where the scratch coordinator and sidecar listen and write. */
    record Scratch(Path dir, int zooKeeperPort, int coordinatorPort, int coordinatorAdminPort, int sidecarPort,
                   int sidecarAdminPort) {

        Path inventory() {
            return dir.resolve("inventory");
        }

        Path sidecarFiles() {
            return dir.resolve("sd");
        }
    }

    private ShippedConfigs() {
    }

    /** {@code shipped} (a coordinator.yml) as the scratch coordinator's, written to {@code target}. */
    static void coordinator(Path shipped, Path target, Scratch scratch) throws IOException {
        ObjectNode c = (ObjectNode) YAML.readTree(shipped.toFile());
        ((ObjectNode) c.get("zookeeper")).put("connectString", "");
        ((ObjectNode) c.get("embeddedZooKeeper")).put("port", scratch.zooKeeperPort())
                .put("dataDirectory", scratch.dir().resolve("zookeeper").toString());
        ObjectNode inventory = (ObjectNode) c.get("inventory");
        ArrayNode jobs = inventory.putArray("jobs");
        jobs.addObject().put("name", "node").putArray("files").add(scratch.inventory().resolve("*.yml").toString());
        ((ObjectNode) c.get("assignment")).putArray("pins"); // the shipped pin names a job the scratch has not
        c.put("outputDirectory", scratch.dir().resolve("output").toString());
        ports(c, scratch.coordinatorPort(), scratch.coordinatorAdminPort());
        write(c, target);
    }

    /** {@code shipped} (a sidecar.yml) as worker {@code worker}'s, without a Prometheus, written to {@code target}. */
    static void sidecar(Path shipped, Path target, Scratch scratch, String worker) throws IOException {
        ObjectNode s = (ObjectNode) YAML.readTree(shipped.toFile());
        ((ObjectNode) s.get("zookeeper")).put("connectString", "127.0.0.1:" + scratch.zooKeeperPort());
        ((ObjectNode) s.get("worker")).put("id", worker)
                .put("sidecarUrl", "http://127.0.0.1:" + scratch.sidecarPort());
        ((ObjectNode) s.get("prometheus")).put("enabled", false);
        s.put("outputDirectory", scratch.sidecarFiles().toString());
        ports(s, scratch.sidecarPort(), scratch.sidecarAdminPort());
        write(s, target);
    }

    /** {@code targets} as the scratch inventory's node job. */
    static void inventory(Scratch scratch, List<String> targets) throws IOException {
        Files.createDirectories(scratch.inventory());
        StringBuilder yaml = new StringBuilder("- labels: {env: release-check}\n  targets:\n");
        targets.forEach(t -> yaml.append("    - ").append(t).append('\n'));
        Files.writeString(scratch.inventory().resolve("local.yml"), yaml);
    }

    private static void ports(ObjectNode config, int port, int adminPort) {
        ObjectNode server = (ObjectNode) config.get("server");
        ((ObjectNode) server.get("applicationConnectors").get(0)).put("port", port);
        ((ObjectNode) server.get("adminConnectors").get(0)).put("port", adminPort);
    }

    private static void write(ObjectNode config, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        YAML.writeValue(target.toFile(), config);
    }
}
