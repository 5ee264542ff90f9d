package io.promshard.client.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One child process of a test or a benchmark (ZooKeeper, a packaged jar, Prometheus), its output
 * appended to {@code <name>.log}; stopped gently within a grace period, or killed with SIGKILL.
 */
public final class ChildProcess implements AutoCloseable {

    private final String name;
    private final Path log;
    private final Process process;
    private final Duration grace;

    private ChildProcess(String name, Path log, Process process, Duration grace) {
        this.name = name;
        this.log = log;
        this.process = process;
        this.grace = grace;
    }

    /**
     * Starts {@code command}, its output appended to {@code logDir/<name>.log}.
     *
     * @param grace how long {@link #close()} waits after SIGTERM before SIGKILL
     */
    public static ChildProcess start(String name, Path logDir, List<String> command, Duration grace)
            throws IOException {
        return start(name, logDir, command, Map.of(), null, grace);
    }

    /**
     * As {@link #start(String, Path, List, Duration)}, with {@code environment} added to this one's and
     * run in {@code workingDirectory} (null: this one's).
     */
    public static ChildProcess start(String name, Path logDir, List<String> command, Map<String, String> environment,
                                     Path workingDirectory, Duration grace) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        return new ChildProcess(name, log, builder.start(), grace);
    }

    /** {@link #start(String, Path, List, Duration)} with a 20 s grace. */
    public static ChildProcess start(String name, Path logDir, List<String> command) throws IOException {
        return start(name, logDir, command, Duration.ofSeconds(20));
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crash or the OOM killer does, and wait for it to be gone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The last 30 lines of the log, for a failure message. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, the grace period, then SIGKILL. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill9();
            }
        }
    }
}
