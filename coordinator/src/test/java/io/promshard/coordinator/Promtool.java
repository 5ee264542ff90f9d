package io.promshard.coordinator;

import java.nio.file.Files;
import java.nio.file.Path;

/** Debian's promtool, which the test command installs with the prometheus package. */
final class Promtool {

    private Promtool() {
    }

    static String binary() {
        for (String p : new String[] {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new AssertionError("promtool not found: install Debian's prometheus package (ops/test.sh does)");
    }
}
