package io.promshard.client.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Debian's promtool, which the test command installs with the prometheus package. */
public final class Promtool {

    private Promtool() {
    }

    /** Pipes {@code text} to {@code promtool check metrics}; fails with promtool's output unless it passes. */
    public static void checkMetrics(String text) throws Exception {
        Process p = new ProcessBuilder(binary(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool check metrics did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("promtool check metrics failed (" + p.exitValue() + "):\n" + out + "\non:\n" + text);
        }
    }

    public static String binary() {
        for (String p : new String[] {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new AssertionError("promtool not found: install Debian's prometheus package (ops/test.sh does)");
    }
}
