package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.DropwizardTestSupport;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.cli.PromshardCtl;
import io.promshard.client.rest.CoordinatorClient;
import io.promshard.client.rest.CoordinatorException;
import io.promshard.client.testing.LoopbackZooKeeper;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.ZkLayout;
import io.promshard.coordinator.cluster.TestSidecar;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * REST-managed targets live in ZooKeeper: the next leader places them, and a managed znode edited
 * by hand into something invalid is refused with its path while the job's last good targets stay.
 */
class ManagedInventoryFailoverTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void theNextLeaderHasTheManagedTargetsAndABadEditIsRefused() throws Exception {
        Path tmp = Files.createTempDirectory("managed-failover");
        try (TestingServer zk = LoopbackZooKeeper.start();
             CuratorFramework raw = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
            raw.start();
            DropwizardTestSupport<CoordinatorConfiguration> c1 = ApiCluster.startApp(zk, tmp.resolve("out1"), "c1");
            DropwizardTestSupport<CoordinatorConfiguration> c2 = null;
            TestSidecar w1 = new TestSidecar(zk.getConnectString(), "apptest", "w1", tmp.resolve("sd1"));
            try {
                CoordinatorClient first = new CoordinatorClient(URI.create("http://127.0.0.1:" + c1.getLocalPort()),
                        ApiCluster.TOKEN);
                first.addTargets("managed", List.of(TargetGroup.of(List.of("10.4.0.1:9100", "10.4.0.2:9100"),
                        Map.of("team", "a"))));
                Poll.until("w1 scraping the 12 targets", WAIT, () -> w1.owned().size() == 12);

                c2 = ApiCluster.startApp(zk, tmp.resolve("out2"), "c2");
                CoordinatorClient second = new CoordinatorClient(URI.create("http://127.0.0.1:" + c2.getLocalPort()),
                        ApiCluster.TOKEN);
                CoordinatorException standby = org.junit.jupiter.api.Assertions.assertThrows(CoordinatorException.class,
                        second::coverage);
                assertEquals(503, standby.status());
                assertTrue(standby.getMessage().contains("c1"), standby.getMessage());
                assertEquals(503, org.junit.jupiter.api.Assertions.assertThrows(CoordinatorException.class,
                        second::events).status(), "a standby's events would be a former leadership's");
                // given both coordinators, the client takes what only the leader knows from the leader
                URI url1 = URI.create("http://127.0.0.1:" + c1.getLocalPort());
                URI url2 = URI.create("http://127.0.0.1:" + c2.getLocalPort());
                CoordinatorClient statusOnly = new CoordinatorClient(List.of(url2, url1), ApiCluster.TOKEN);
                assertTrue(statusOnly.status().isLeader(), "a standby's status answer gives way to the leader's");
                assertEquals(url1, statusOnly.base());
                CoordinatorClient both = new CoordinatorClient(List.of(url2, url1), ApiCluster.TOKEN);
                assertEquals(12, both.coverage().targets());
                assertEquals(url1, both.base(), "the leader is asked first from now on");
                assertTrue(both.dryRun("leave", "w1", 1, "").unplaced() > 0);
                StringWriter ctlOut = new StringWriter();
                StringWriter ctlErr = new StringWriter();
                assertEquals(PromshardCtl.OK, PromshardCtl.run(new PrintWriter(ctlOut), new PrintWriter(ctlErr),
                        "--coordinator", url2 + "," + url1, "coverage"), ctlErr.toString());
                assertTrue(ctlOut.toString().contains("12"), ctlOut.toString());
                c1.after();
                c1 = null;
                // the stopped leader is unreachable: the same client moves on to the new one
                Poll.until("c2 answering the coverage through the two-coordinator client", WAIT, () -> {
                    try {
                        return both.coverage().targets() == 12;
                    } catch (CoordinatorException e) {
                        return false;
                    }
                });
                assertEquals(url2, both.base());
                Poll.until("c2 leading with the managed targets in its inventory", WAIT, () -> {
                    try {
                        return second.status().isLeader() && second.inventory().jobs().getOrDefault("managed", 0) == 2;
                    } catch (CoordinatorException e) {
                        return false;
                    }
                });
                long epoch = second.status().epoch();
                assertEquals(12, w1.owned().size(), "the new leader dropped nothing");

                // an invalid hand edit of the znode: refused, named, the last good targets stay
                raw.setData().forPath(ZkLayout.forCluster("apptest").inventory("managed"),
                        "[{\"targets\": [\"10.4.0.3:9100\"], \"labels\": {\"__scheme__\": \"gopher\"}}]"
                                .getBytes(StandardCharsets.UTF_8));
                Poll.until("the edit refused", WAIT, () -> {
                    try {
                        return second.inventory().errors().values().stream().anyMatch(e ->
                                e.contains("/inventory/managed") && e.contains("__scheme__"));
                    } catch (CoordinatorException e) {
                        return false;
                    }
                });
                assertEquals(2, second.inventory().jobs().get("managed"));
                assertEquals(12, w1.owned().size());
                assertEquals(epoch, second.status().epoch(), "nothing was republished");
            } finally {
                w1.close();
                if (c2 != null) {
                    c2.after();
                }
                if (c1 != null) {
                    c1.after();
                }
            }
        }
    }
}
