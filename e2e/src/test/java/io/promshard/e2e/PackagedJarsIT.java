package io.promshard.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The runnable jars carry the notices of the libraries they bundle: each jar's META-INF/NOTICE is
 * every bundled library's NOTICE merged (the shade plugin would otherwise keep the first one and
 * drop the rest), and the project itself is under the Apache License 2.0 (LICENSE, NOTICE).
 */
class PackagedJarsIT {

    @Test
    void eachRunnableJarCarriesTheNoticesOfWhatItBundles() throws Exception {
        Path root = Path.of(System.getProperty("promshard.root", "..")).toAbsolutePath().normalize();
        Map<String, String[]> expected = Map.of(
                "coordinator/target/promshard-coordinator.jar", new String[] {"Curator", "Jetty", "Jackson"},
                "worker-sidecar/target/promshard-worker-sidecar.jar", new String[] {"Curator", "Jetty", "Jackson"},
                "client/target/promshardctl.jar", new String[] {"Curator", "Jackson"});
        for (Map.Entry<String, String[]> e : expected.entrySet()) {
            String notice = notice(root.resolve(e.getKey()));
            for (String library : e.getValue()) {
                assertTrue(notice.contains(library), e.getKey() + "'s META-INF/NOTICE does not name " + library);
            }
        }
        assertTrue(Files.readString(root.resolve("LICENSE")).contains("Apache License"), "LICENSE");
        assertTrue(Files.readString(root.resolve("NOTICE")).contains("Apache License, Version 2.0"), "NOTICE");
    }

    private static String notice(Path jar) throws IOException {
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the end-to-end tests read the packaged jars");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.getEntry("META-INF/NOTICE");
            assertTrue(entry != null, jar + " has no META-INF/NOTICE");
            try (InputStream in = zip.getInputStream(entry)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
