package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the release checks share: commands run to completion, the scratch machine, the target awaited. */
final class Releases {

    static final Duration WAIT = Duration.ofSeconds(120);
    /** The one target of the scratch inventory. */
    static final String TARGET = "127.0.0.1:9100";

    /** A command's exit code and what it printed (stdout and stderr together). */
    record Result(int code, String output) {
    }

    private Releases() {
    }

    /** The version being built (the failsafe configuration passes the project's). */
    static String version() {
        return System.getProperty("promshard.version");
    }

    /** Runs {@code command} in {@code directory} until it exits (at most five minutes). */
    static Result command(List<String> command, Path directory) throws Exception {
        Process p = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), command + " did not exit");
        return new Result(p.exitValue(), out);
    }

    /** What {@code command} printed, once it exited 0. */
    static String succeed(List<String> command, Path directory) throws Exception {
        Result r = command(command, directory);
        assertEquals(0, r.code(), command + " failed:\n" + r.output());
        return r.output();
    }

    /** A scratch machine in {@code dir} with free ports, its inventory holding {@link #TARGET}. */
    static ShippedConfigs.Scratch scratch(Path dir) throws IOException {
        ShippedConfigs.Scratch scratch = new ShippedConfigs.Scratch(dir, Processes.freePort(), Processes.freePort(),
                Processes.freePort(), Processes.freePort(), Processes.freePort());
        ShippedConfigs.inventory(scratch, List.of(TARGET));
        return scratch;
    }

    /** Waits until the scratch sidecar's node job file holds {@link #TARGET}, every process still up. */
    static void awaitTarget(ShippedConfigs.Scratch scratch, Processes processes) {
        Path file = scratch.sidecarFiles().resolve("node.json");
        Poll.until("the inventory's target in the sidecar's " + file, WAIT,
                () -> processes.allAlive() && readOrEmpty(file).contains(TARGET));
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException notYetWritten) {
            return "";
        }
    }
}
