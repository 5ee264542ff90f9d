package io.promshard.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child process whose output goes to a log file; stopped gently, or killed with SIGKILL. */
final class Proc implements AutoCloseable {

    final String name;
    final Path log;
    private final Process process;

    private Proc(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    static Proc start(String name, Path logDir, List<String> command) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new Proc(name, log, pb.start());
    }

    /** A JVM with small, quick-starting settings (two cores run a dozen processes here). */
    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crash or the OOM killer does, and wait for it to be gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The last lines of the log, for a failure message. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }
}
