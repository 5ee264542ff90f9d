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
        assertTrue(Promtool.metricsInOpsKit().size() >= 10, Promtool.metricsInOpsKit().toString());
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

    /** The JVM options the units start Java with are accepted by this Java (a typo would stop the service). */
    @Test
    void theUnitsJvmOptionsAreAccepted() throws Exception {
        Path units = Promtool.alertRules().getParent().resolveSibling("systemd");
        for (String unit : new String[] {"promshard-coordinator.service", "promshard-sidecar.service"}) {
            String text = java.nio.file.Files.readString(units.resolve(unit));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^Environment=\"JAVA_OPTS=([^\"]+)\"$").matcher(text);
            assertTrue(m.find(), unit + ": no Environment=\"JAVA_OPTS=...\"");
            assertTrue(text.contains("ExecStart=/usr/bin/java $JAVA_OPTS -jar "), unit + ": ExecStart does not use $JAVA_OPTS");
            java.util.List<String> command = new java.util.ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(java.util.List.of(m.group(1).trim().split("\\s+")));
            command.add("-version");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, unit + ": " + command + "\n" + out);
        }
    }

    /** Every query of the Grafana dashboard parses: promtool checks them as recording rules. */
    @Test
    void theGrafanaDashboardsQueriesParse(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path dashboard = Promtool.alertRules().getParent().resolveSibling("grafana").resolve("promshard-dashboard.json");
        com.fasterxml.jackson.databind.JsonNode d = io.promshard.client.Json.mapper().readTree(dashboard.toFile());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (com.fasterxml.jackson.databind.JsonNode panel : d.get("panels")) {
            for (com.fasterxml.jackson.databind.JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asText();
                assertTrue(!expr.isBlank() && expr.contains("promshard_"), panel.get("title") + ": " + expr);
                rules.append("      - record: dashboard:panel").append(++n).append("\n        expr: ")
                        .append(io.promshard.client.Json.mapper().writeValueAsString(expr)).append('\n');
            }
        }
        assertTrue(n >= 15, n + " queries");
        Path file = tmp.resolve("dashboard-rules.yml");
        java.nio.file.Files.writeString(file, rules);
        Promtool.checkRules(file);
    }

    @Test
    void theExamplePrometheusConfigurationsAreValid() throws Exception {
        Path dir = Promtool.alertRules().getParent();
        for (String config : new String[] {"master.yml", "worker.yml", "worker-http-sd.yml", "discovery.yml"}) {
            Promtool.checkConfig(dir.resolve(config));
        }
    }
}
