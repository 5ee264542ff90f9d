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

    @Test
    void theExamplePrometheusConfigurationsAreValid() throws Exception {
        Path dir = Promtool.alertRules().getParent();
        for (String config : new String[] {"master.yml", "worker.yml", "worker-http-sd.yml"}) {
            Promtool.checkConfig(dir.resolve(config));
        }
    }
}
