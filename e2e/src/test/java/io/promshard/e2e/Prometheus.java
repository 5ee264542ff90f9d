package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the real Prometheus is; a test that needs it fails with the reason when it is missing, never skips. */
final class Prometheus {

    private Prometheus() {
    }

    static String binary() {
        String explicit = System.getenv("PROMSHARD_PROMETHEUS");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return explicit;
        }
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(d, "prometheus");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        fail("Prometheus is not installed: the end-to-end tests need a real Prometheus. ops/test.sh installs Debian's "
                + "prometheus package (apt-get install prometheus); or set PROMSHARD_PROMETHEUS to its binary");
        return null;
    }
}
