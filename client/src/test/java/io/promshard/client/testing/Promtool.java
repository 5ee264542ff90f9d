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

    /** {@code promtool check rules FILE}: fails with promtool's output unless the rules are valid. */
    public static void checkRules(Path rules) throws Exception {
        run(rules.getParent(), "check", "rules", rules.getFileName().toString());
    }

    /** {@code promtool check config FILE} (its rule files included): fails with promtool's output unless valid. */
    public static void checkConfig(Path config) throws Exception {
        run(config.getParent(), "check", "config", config.getFileName().toString());
    }

    /** {@code promtool check config --agent FILE}: valid for Prometheus in agent mode (no rules, no alerting). */
    public static void checkAgentConfig(Path config) throws Exception {
        run(config.getParent(), "check", "config", "--agent", config.getFileName().toString());
    }

    /** {@code promtool check config --syntax-only FILE}: the configuration alone, its files not read. */
    public static void checkConfigSyntax(Path config) throws Exception {
        run(config.getParent(), "check", "config", "--syntax-only", config.getFileName().toString());
    }

    /** {@code promtool test rules FILE} (run in the file's directory): fails with the failed cases. */
    public static void testRules(Path tests) throws Exception {
        run(tests.getParent(), "test", "rules", tests.getFileName().toString());
    }

    /** The project's alerting rules for promshard itself, found from a module's directory or the root. */
    public static Path alertRules() {
        for (String p : new String[] {"../ops/prometheus/promshard-alerts.yml", "ops/prometheus/promshard-alerts.yml"}) {
            if (Files.isRegularFile(Path.of(p))) {
                return Path.of(p).toAbsolutePath().normalize();
            }
        }
        throw new AssertionError("ops/prometheus/promshard-alerts.yml not found from " + Path.of("").toAbsolutePath());
    }

    /**
     * The promshard metric families the alerting rules and the Grafana dashboard
     * (ops/grafana/promshard-dashboard.json) use; a histogram's {@code _bucket} series counted as its family.
     */
    public static java.util.Set<String> metricsInOpsKit() throws java.io.IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        Path dashboard = alertRules().getParent().resolveSibling("grafana").resolve("promshard-dashboard.json");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("promshard_[a-z_]+[a-z]")
                .matcher(Files.readString(alertRules()) + "\n" + Files.readString(dashboard));
        while (m.find()) {
            String name = m.group();
            if (!name.equals("promshard_worker") && !name.equals("promshard_zone")) { // labels, not metrics
                names.add(name.endsWith("_bucket") ? name.substring(0, name.length() - "_bucket".length()) : name);
            }
        }
        return names;
    }

    private static void run(Path dir, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = binary();
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("promtool " + String.join(" ", args) + " failed (" + p.exitValue() + "):\n" + out);
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
