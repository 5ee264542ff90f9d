package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The release tarball as an operator uses it: unpacked by tar in a scratch directory, its launchers
 * run from another directory and through a symlink, its example configurations (pointed at a
 * scratch inventory, the coordinator's embedded ZooKeeper and scratch ports) start a coordinator and
 * a sidecar, and a target of the inventory reaches the sidecar's file_sd file.
 */
class ReleaseTarballIT {

    @RegisterExtension
    final E2eRun run = new E2eRun("release-tarball");

    @Test
    void theUnpackedTarballStartsACoordinatorAndASidecarThatWritesAnInventoryTarget() throws Exception {
        Path tarball = run.root().resolve("packaging/target/promshard-" + Releases.version() + ".tar.gz");
        assertTrue(Files.isRegularFile(tarball), tarball + " is missing: mvn package builds it (packaging/)");
        Path unpacked = Files.createDirectories(run.dir().resolve("unpacked"));
        Releases.succeed(List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString()), unpacked);
        Path release = unpacked.resolve("promshard-" + Releases.version());
        for (String file : List.of("bin/promshard-coordinator", "bin/promshard-sidecar", "bin/promshardctl",
                "lib/launch.sh")) {
            assertTrue(Files.isExecutable(release.resolve(file)), file + " is not executable");
        }
        for (String file : List.of("lib/promshard-coordinator.jar", "lib/promshard-worker-sidecar.jar",
                "lib/promshardctl.jar", "etc/coordinator.yml", "etc/sidecar.yml",
                "systemd/promshard-coordinator.service", "systemd/promshard-sidecar.service", "docs/operations.md",
                "LICENSE", "NOTICE", "README.md")) {
            assertTrue(Files.isRegularFile(release.resolve(file)), file + " is missing from the tarball");
        }

        Path elsewhere = Files.createDirectories(run.dir().resolve("elsewhere"));
        Path link = elsewhere.resolve("promshardctl");
        Files.createSymbolicLink(link, release.resolve("bin/promshardctl"));
        assertEquals("promshardctl " + Releases.version(),
                Releases.succeed(List.of(link.toString(), "--version"), elsewhere).strip());

        ShippedConfigs.Scratch scratch = Releases.scratch(run.dir().resolve("machine"));
        Path coordinatorYml = scratch.dir().resolve("etc/coordinator.yml");
        Path sidecarYml = scratch.dir().resolve("etc/sidecar.yml");
        ShippedConfigs.coordinator(release.resolve("etc/coordinator.yml"), coordinatorYml, scratch);
        ShippedConfigs.sidecar(release.resolve("etc/sidecar.yml"), sidecarYml, scratch, "w1");
        Map<String, String> env = Map.of("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
        run.processes().start("coordinator", List.of(release.resolve("bin/promshard-coordinator").toString(),
                "server", coordinatorYml.toString()), env, elsewhere);
        run.processes().start("sidecar", List.of(release.resolve("bin/promshard-sidecar").toString(),
                "server", sidecarYml.toString()), env, elsewhere);
        Releases.awaitTarget(scratch, run.processes());
    }
}
