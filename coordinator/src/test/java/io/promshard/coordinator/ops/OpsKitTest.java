package io.promshard.coordinator.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.testing.Promtool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus side of ops/: the alerting rules are valid for Debian's promtool and fire as their
 * unit tests say (promshard-alerts.test.yml), and the example worker and master configurations are
 * valid. That the metrics the rules use exist is checked against live {@code /metrics} pages: the
 * coordinator's in OperatorApiTest, the sidecar's in SidecarApplicationTest.
 */
class OpsKitTest {

    @Test
    void theAlertingRulesAreValidAndFireAsTheirUnitTestsSay() throws Exception {
        Path rules = Promtool.alertRules();
        Promtool.checkRules(rules);
        Promtool.testRules(rules.resolveSibling("promshard-alerts.test.yml"));
        assertTrue(Promtool.metricsInAlertRules().size() >= 10, Promtool.metricsInAlertRules().toString());
    }

    /** {@code systemd-analyze verify} on the units: silent when they are valid (it warns, exit 0, on bad lines). */
    @Test
    void theSystemdUnitsVerifyCleanly() throws Exception {
        Path units = Promtool.alertRules().getParent().resolveSibling("systemd");
        String analyze = "/usr/bin/systemd-analyze";
        assertTrue(java.nio.file.Files.isExecutable(Path.of(analyze)),
                analyze + " is missing: install Debian's systemd package (ops/test.sh does)");
        Process p = new ProcessBuilder(analyze, "verify", units.resolve("promshard-coordinator.service").toString(),
                units.resolve("promshard-sidecar.service").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "systemd-analyze did not finish");
        String problems = out.lines().filter(l -> l.contains("promshard-")).reduce("", (a, b) -> a + b + "\n");
        assertTrue(p.exitValue() == 0 && problems.isEmpty(), "systemd-analyze verify:\n" + out);
    }

    @Test
    void theExamplePrometheusConfigurationsAreValid() throws Exception {
        Path dir = Promtool.alertRules().getParent();
        for (String config : new String[] {"master.yml", "worker.yml", "worker-http-sd.yml"}) {
            Promtool.checkConfig(dir.resolve(config));
        }
    }
}
