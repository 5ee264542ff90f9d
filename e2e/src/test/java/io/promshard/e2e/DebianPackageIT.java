package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Debian package on this machine, as an operator installs it: lintian reports no error,
 * {@code dpkg -i} installs it (creating the promshard user and /var/lib/promshard, starting
 * nothing), {@code promshardctl} is on the PATH, the installed units verify, the coordinator (its
 * embedded ZooKeeper) and a sidecar start as the units' {@code ExecStart} lines start them, as the
 * promshard user, with the installed configurations pointed at a scratch inventory, and a target
 * reaches the sidecar's file; {@code dpkg -r} keeps the configuration, {@code dpkg --purge} leaves
 * nothing behind. Needs root (the README's test command runs as root).
 */
class DebianPackageIT {

    static final Path ROOT = Path.of("/");
    /** What the package installs or creates, every one gone after a purge. */
    static final List<String> INSTALLED = List.of("/usr/share/promshard", "/usr/bin/promshardctl", "/etc/promshard",
            "/var/lib/promshard", "/lib/systemd/system/promshard-coordinator.service",
            "/lib/systemd/system/promshard-sidecar.service", "/usr/share/doc/promshard",
            "/usr/share/lintian/overrides/promshard");

    @RegisterExtension
    final E2eRun run = new E2eRun("debian-package");

    @AfterEach
    void purge() throws Exception {
        run.processes().close(); // the services' processes first: deluser refuses a user that runs
        Releases.command(List.of("dpkg", "--purge", "promshard"), ROOT);
    }

    @Test
    void installedStartedAsTheUnitsSayAndPurgedWithoutATrace() throws Exception {
        assertEquals("0", command(List.of("id", "-u")).output().strip(),
                "installing a package needs root: run the README's test command (ops/test.sh) as root");
        Path deb = run.root().resolve("packaging/target/promshard_"
                + Releases.version().replace("-SNAPSHOT", "~SNAPSHOT") + "_all.deb");
        assertTrue(Files.isRegularFile(deb), deb + " is missing: mvn package builds it (packaging/)");
        command(List.of("dpkg", "--purge", "promshard")); // a run stopped halfway left it

        Releases.Result lintian = command(List.of("lintian", "--fail-on", "error", "--tag-display-limit", "0",
                deb.toString()));
        assertEquals(0, lintian.code(), "lintian:\n" + lintian.output());
        assertFalse(lintian.output().lines().anyMatch(l -> l.startsWith("E:")), "lintian:\n" + lintian.output());

        if (command(List.of("dpkg", "-i", deb.toString())).code() != 0) {
            succeed(List.of("apt-get", "install", "-f", "-y", "-q")); // a Java or adduser still to install
        }
        assertTrue(succeed(List.of("dpkg", "-s", "promshard")).contains("Status: install ok installed"));
        assertEquals("promshardctl " + Releases.version(),
                succeed(List.of("promshardctl", "--version")).strip());
        succeed(List.of("systemd-analyze", "verify", "/lib/systemd/system/promshard-coordinator.service",
                "/lib/systemd/system/promshard-sidecar.service"));
        assertTrue(succeed(List.of("getent", "passwd", "promshard")).contains("/var/lib/promshard"));
        assertEquals("promshard:promshard", succeed(List.of("stat", "-c", "%U:%G", "/var/lib/promshard")).strip());

        Releases.awaitTarget(startAsTheUnitsDo(), run.processes());
        run.processes().close();

        succeed(List.of("dpkg", "-r", "promshard"));
        assertTrue(Files.exists(Path.of("/etc/promshard/coordinator.yml")), "remove keeps the configuration");
        assertFalse(Files.exists(Path.of("/usr/share/promshard")), "remove takes the programs");
        succeed(List.of("dpkg", "--purge", "promshard"));
        for (String path : INSTALLED) {
            assertFalse(Files.exists(Path.of(path)), path + " is left after the purge");
        }
        assertEquals(2, command(List.of("getent", "passwd", "promshard")).code(), "the user is left");
        assertEquals(2, command(List.of("getent", "group", "promshard")).code(), "the group is left");
    }

    /**
     * The installed configurations pointed at a scratch inventory under the package's state
     * directory, then each unit's {@code ExecStart} run with its {@code JAVA_OPTS}, as its user.
     */
    private ShippedConfigs.Scratch startAsTheUnitsDo() throws Exception {
        ShippedConfigs.Scratch scratch = Releases.scratch(Path.of("/var/lib/promshard/release-check"));
        Path coordinatorYml = Path.of("/etc/promshard/coordinator.yml");
        Path sidecarYml = Path.of("/etc/promshard/sidecar.yml");
        ShippedConfigs.coordinator(coordinatorYml, coordinatorYml, scratch);
        ShippedConfigs.sidecar(sidecarYml, sidecarYml, scratch, "w1");
        succeed(List.of("chown", "-R", "promshard:promshard", scratch.dir().toString()));
        for (String unit : List.of("coordinator", "sidecar")) {
            String text = Files.readString(Path.of("/lib/systemd/system/promshard-" + unit + ".service"));
            List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=promshard", "--regid=promshard",
                    "--init-groups", "--"));
            command.addAll(execStart(text));
            run.processes().start(unit, command, Map.of(), ROOT);
        }
        return scratch;
    }

    /** The unit's {@code ExecStart}, with {@code $JAVA_OPTS} split into words as systemd splits it. */
    static List<String> execStart(String unit) {
        Matcher options = Pattern.compile("(?m)^Environment=\"JAVA_OPTS=([^\"]+)\"$").matcher(unit);
        Matcher exec = Pattern.compile("(?m)^ExecStart=(.+)$").matcher(unit);
        assertTrue(options.find() && exec.find(), "the unit has no JAVA_OPTS or no ExecStart:\n" + unit);
        List<String> words = new ArrayList<>();
        for (String word : exec.group(1).trim().split("\\s+")) {
            if (word.equals("$JAVA_OPTS")) {
                words.addAll(List.of(options.group(1).trim().split("\\s+")));
            } else {
                words.add(word);
            }
        }
        return words;
    }

    private static String succeed(List<String> command) throws Exception {
        return Releases.succeed(command, ROOT);
    }

    private static Releases.Result command(List<String> command) throws Exception {
        return Releases.command(command, ROOT);
    }
}
