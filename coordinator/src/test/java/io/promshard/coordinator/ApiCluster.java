package io.promshard.coordinator;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.coordinator.cluster.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.TestingServer;

/**
 * A running coordinator application (coordinator-test.yml: ten static targets, API token
 * {@link #TOKEN}) on real ZooKeeper with two workers made of the sidecar's real components, for the
 * tests of the API, the CLI and the dashboard.
 */
final class ApiCluster implements AutoCloseable {

    static final String TOKEN = "operator-token";

    final TestingServer zk;
    final DropwizardTestSupport<CoordinatorConfiguration> app;
    final TestSidecar w1;
    final TestSidecar w2;

    private ApiCluster(TestingServer zk, DropwizardTestSupport<CoordinatorConfiguration> app, TestSidecar w1,
                       TestSidecar w2) {
        this.zk = zk;
        this.app = app;
        this.w1 = w1;
        this.w2 = w2;
    }

    /**
     * Starts ZooKeeper, the coordinator (with {@code overrides} of coordinator-test.yml) and w1, w2, and
     * waits until the two share the ten targets.
     */
    static ApiCluster start(String name, ConfigOverride... overrides) throws Exception {
        Path tmp = Files.createTempDirectory(name);
        TestingServer zk = LoopbackZooKeeper.start();
        DropwizardTestSupport<CoordinatorConfiguration> app = startApp(zk, tmp.resolve("out"), "c1", "apptest",
                overrides);
        ApiCluster c = new ApiCluster(zk, app,
                new TestSidecar(zk.getConnectString(), "apptest", "w1", tmp.resolve("sd1")),
                new TestSidecar(zk.getConnectString(), "apptest", "w2", tmp.resolve("sd2")));
        Poll.until("both workers holding the 10 targets", Duration.ofSeconds(30), () -> c.owned().size() == 10
                && !c.w1.owned().isEmpty() && !c.w2.owned().isEmpty());
        return c;
    }

    static DropwizardTestSupport<CoordinatorConfiguration> startApp(TestingServer zk, Path out, String id)
            throws Exception {
        return startApp(zk, out, id, "apptest");
    }

    static DropwizardTestSupport<CoordinatorConfiguration> startApp(TestingServer zk, Path out, String id,
                                                                     String cluster, ConfigOverride... overrides)
            throws Exception {
        List<ConfigOverride> all = new ArrayList<>(List.of(
                ConfigOverride.config("zookeeper.connectString", zk.getConnectString()),
                ConfigOverride.config("zookeeper.cluster", cluster),
                ConfigOverride.config("outputDirectory", out.toString()),
                ConfigOverride.config("coordinatorId", id),
                ConfigOverride.config("api.token", TOKEN)));
        all.addAll(List.of(overrides));
        DropwizardTestSupport<CoordinatorConfiguration> app = new DropwizardTestSupport<>(CoordinatorApplication.class,
                ResourceHelpers.resourceFilePath("coordinator-test.yml"), all.toArray(ConfigOverride[]::new));
        app.before();
        return app;
    }

    String url() {
        return "http://127.0.0.1:" + app.getLocalPort();
    }

    /** job/address -> worker, from both workers' files. */
    Map<String, String> owned() {
        Map<String, String> all = new HashMap<>(w1.owned());
        all.putAll(w2.owned());
        return all;
    }

    @Override
    public void close() throws Exception {
        w1.close();
        w2.close();
        app.after();
        zk.close();
    }
}
