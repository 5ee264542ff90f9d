package io.promshard.coordinator.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.Json;
import io.promshard.client.testing.DebianDefaults;
import io.promshard.client.testing.Poll;
import io.promshard.client.testing.Promtool;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertTrue(Files.isExecutable(Path.of(analyze)),
                analyze + " is missing: install Debian's systemd package (ops/test.sh does)");
        Process p = new ProcessBuilder(analyze, "verify", units.resolve("promshard-coordinator.service").toString(),
                units.resolve("promshard-sidecar.service").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze did not finish");
        String problems = out.lines().filter(l -> l.contains("promshard-")).reduce("", (a, b) -> a + b + "\n");
        assertTrue(p.exitValue() == 0 && problems.isEmpty(), "systemd-analyze verify:\n" + out);
    }

    /** The JVM options the units start Java with are accepted by this Java (a typo would stop the service). */
    @Test
    void theUnitsJvmOptionsAreAccepted() throws Exception {
        Path units = Promtool.alertRules().getParent().resolveSibling("systemd");
        for (String unit : new String[] {"promshard-coordinator.service", "promshard-sidecar.service"}) {
            String text = Files.readString(units.resolve(unit));
            Matcher m = Pattern.compile("(?m)^Environment=\"JAVA_OPTS=([^\"]+)\"$").matcher(text);
            assertTrue(m.find(), unit + ": no Environment=\"JAVA_OPTS=...\"");
            assertTrue(text.contains("ExecStart=/usr/bin/java $JAVA_OPTS -jar "), unit + ": ExecStart does not use $JAVA_OPTS");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of(m.group(1).trim().split("\\s+")));
            command.add("-version");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, unit + ": " + command + "\n" + out);
        }
    }

    /** Every query of the Grafana dashboard parses: promtool checks them as recording rules. */
    @Test
    void theGrafanaDashboardsQueriesParse(@TempDir Path tmp) throws Exception {
        Path dashboard = Promtool.alertRules().getParent().resolveSibling("grafana").resolve("promshard-dashboard.json");
        JsonNode d = Json.mapper().readTree(dashboard.toFile());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (JsonNode panel : d.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asText();
                assertTrue(!expr.isBlank() && expr.contains("promshard_"), panel.get("title") + ": " + expr);
                rules.append("      - record: dashboard:panel").append(++n).append("\n        expr: ")
                        .append(Json.mapper().writeValueAsString(expr)).append('\n');
            }
        }
        assertTrue(n >= 15, n + " queries");
        Path file = tmp.resolve("dashboard-rules.yml");
        Files.writeString(file, rules);
        Promtool.checkRules(file);
    }

    @Test
    void theExamplePrometheusConfigurationsAreValid() throws Exception {
        Path dir = Promtool.alertRules().getParent();
        for (String config : new String[] {"master.yml", "worker.yml", "worker-http-sd.yml", "discovery.yml",
                "worker-ha.yml"}) {
            Promtool.checkConfig(dir.resolve(config));
        }
    }

    /** The agent-mode worker (worker-agent.yml) is valid for an agent, as {@code promtool check config --agent} reads it. */
    @Test
    void theAgentWorkerConfigurationIsValid() throws Exception {
        Promtool.checkAgentConfig(Promtool.alertRules().getParent().resolve("worker-agent.yml"));
    }

    /**
     * ops/vmagent: Debian's vmagent accepts the documented arguments and scrape.yml ({@code -dryRun}
     * checks the scrape configuration, strictly: an unknown field such as file_sd's refresh_interval
     * fails it), and the file_sd files are re-read well within the coordinator's default hand-off timeout.
     */
    @Test
    void vmagentAcceptsTheDocumentedArgumentsAndScrapeConfiguration() throws Exception {
        Path binary = Path.of("/usr/bin/vmagent");
        assertTrue(Files.isExecutable(binary),
                binary + " is missing: install Debian's victoria-metrics package (ops/test.sh does)");
        Path dir = Promtool.alertRules().getParent().resolveSibling("vmagent");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-dryRun"));
        for (String arg : DebianDefaults.args(dir.resolve("vmagent"))) {
            if (arg.startsWith("-promscrape.config=")) {
                command.add("-promscrape.config=" + dir.resolve("scrape.yml"));
            } else if (arg.startsWith("-promscrape.fileSDCheckInterval=")) {
                Duration check = Duration.parse("PT" + arg.substring(arg.indexOf('=') + 1).toUpperCase(Locale.ROOT));
                assertTrue(check.compareTo(Duration.ofSeconds(30)) <= 0, arg + ": hand-offs would wait for it");
                command.add(arg);
            } else {
                command.add(arg);
            }
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, command + "\n" + out);
    }

    /** The rules the HA worker evaluates itself (worker-ha.yml) are valid and fire as their unit tests say. */
    @Test
    void theWorkerRulesAreValidAndFireAsTheirUnitTestsSay() throws Exception {
        Path dir = Promtool.alertRules().getParent();
        Promtool.checkRules(dir.resolve("worker-rules.yml"));
        Promtool.testRules(dir.resolve("worker-rules.test.yml"));
    }

    /** ops/alertmanager/alertmanager.yml passes Debian's {@code amtool check-config}. */
    @Test
    void theAlertmanagerConfigurationIsValid() throws Exception {
        Path amtool = Path.of("/usr/bin/amtool");
        assertTrue(Files.isExecutable(amtool),
                amtool + " is missing: install Debian's prometheus-alertmanager package (ops/test.sh does)");
        Path config = Promtool.alertRules().getParent().resolveSibling("alertmanager").resolve("alertmanager.yml");
        Process p = new ProcessBuilder(amtool.toString(), "check-config", config.toString()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "amtool check-config:\n" + out);
    }

    /**
     * The storage's arguments in ops/victoria-metrics/victoria-metrics (Debian's /etc/default file)
     * start Debian's VictoriaMetrics, with deduplication on; data and port moved to scratch ones.
     */
    @Test
    void victoriaMetricsStartsWithTheDocumentedArguments(@TempDir Path tmp) throws Exception {
        Path binary = Path.of("/usr/bin/victoria-metrics");
        assertTrue(Files.isExecutable(binary),
                binary + " is missing: install Debian's victoria-metrics package (ops/test.sh does)");
        Path defaults = Promtool.alertRules().getParent().resolveSibling("victoria-metrics").resolve("victoria-metrics");
        List<String> documented = DebianDefaults.args(defaults);
        assertTrue(documented.stream().anyMatch(a -> a.startsWith("-dedup.minScrapeInterval=")), documented.toString());
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        for (String arg : documented) {
            command.add(arg.startsWith("-storageDataPath=") ? "-storageDataPath=" + tmp.resolve("data")
                    : arg.startsWith("-httpListenAddr=") ? "-httpListenAddr=127.0.0.1:" + port : arg);
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("victoria-metrics.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            Poll.until("VictoriaMetrics to answer /health", Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
                try {
                    return p.isAlive() && http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/health")).build(), HttpResponse.BodyHandlers.ofString()).body().trim().equals("OK");
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its log:\n" + Files.readString(tmp.resolve("victoria-metrics.log")));
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
