package io.promshard.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dropwizard.testing.ConfigOverride;
import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.SeriesReport;
import io.promshard.client.cli.PromshardCtl;
import io.promshard.client.rest.CoordinatorClient;
import io.promshard.client.testing.Poll;
import io.promshard.client.zk.SeriesReportCodec;
import io.promshard.client.zk.ZkLayout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;

/**
 * The capacity advice follows the series the workers report, as an autoscaler reads it: up as soon
 * as a worker would be over {@code assignment.seriesPerWorker}, down only below the margin, with
 * the worker to drain first, on {@code /metrics}, in the status and in {@code promshardctl status}.
 */
class CapacityAdviceApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void recommendedWorkersRiseAndFallWithTheReportedSeries() throws Exception {
        try (ApiCluster cluster = ApiCluster.start("capacity", ConfigOverride.config("assignment.seriesPerWorker",
                "1000"), ConfigOverride.config("assignment.scaleInMargin", "0.1"));
             CuratorFramework zk = CuratorFrameworkFactory.newClient(cluster.zk.getConnectString(), new RetryOneTime(100))) {
            zk.start();
            CoordinatorClient api = new CoordinatorClient(URI.create(cluster.url()), ApiCluster.TOKEN);
            ZkLayout layout = ZkLayout.forCluster("apptest");

            report(zk, layout, cluster, 600, 600);
            awaitRecommended(cluster, 2); // 1,200 series: two workers at 1,000
            CoordinatorStatus.Capacity c = status(api).capacity();
            assertEquals(1_200, c.series());
            assertEquals(2, c.activeWorkers());
            assertEquals("", c.drainFirst());

            report(zk, layout, cluster, 1_500, 600);
            awaitRecommended(cluster, 3); // 2,100: a third worker, at once

            report(zk, layout, cluster, 1_200, 650);
            awaitSeries(api, 1_850);
            assertEquals(3, status(api).capacity().recommendedWorkers(), "1,850 > 2 * 900: no fall yet");

            report(zk, layout, cluster, 200, 400);
            awaitRecommended(cluster, 1); // 600 <= 900: one worker would do
            // the worker to drain first owns the least load (learned series): what its removal moves
            Poll.until("the least loaded worker named to drain first", WAIT, () -> {
                String metrics = get(cluster.url() + "/metrics");
                Map<String, Double> load = gauges(metrics, "promshard_worker_load");
                Map<String, Double> drain = gauges(metrics, "promshard_recommended_drain");
                String least = load.entrySet().stream().min(Map.Entry.<String, Double>comparingByValue()
                        .thenComparing(Map.Entry.comparingByKey())).orElseThrow().getKey();
                return drain.equals(Map.of(least, 1.0));
            });
            String drainFirst = status(api).capacity().drainFirst();
            StringWriter out = new StringWriter();
            int code = PromshardCtl.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--coordinator",
                    cluster.url(), "status");
            assertEquals(PromshardCtl.OK, code);
            assertTrue(out.toString().contains("1 for 600 series at 1000 per worker (2 active); drain " + drainFirst
                    + " first"), out.toString());
        }
    }

    /** Each worker reports {@code series} spread over the targets it owns, as its sidecar would. */
    private static void report(CuratorFramework zk, ZkLayout layout, ApiCluster cluster, long w1Series,
                               long w2Series) throws Exception {
        for (Map.Entry<String, Long> worker : Map.of("w1", w1Series, "w2", w2Series).entrySet()) {
            Map<String, String> owned = (worker.getKey().equals("w1") ? cluster.w1 : cluster.w2).owned();
            SortedMap<String, SortedMap<String, Long>> series = new TreeMap<>();
            long left = worker.getValue();
            int n = owned.size();
            for (String jobAddress : owned.keySet()) {
                long each = left / n--;
                left -= each;
                String[] parts = jobAddress.split("/", 2);
                SeriesReport.put(series, parts[0], parts[1], null, each);
            }
            zk.create().orSetData().creatingParentContainersIfNeeded().forPath(layout.weight(worker.getKey()),
                    SeriesReportCodec.encode(new SeriesReport(SeriesReport.FORMAT, worker.getKey(),
                            System.currentTimeMillis(), series)));
        }
    }

    private static void awaitRecommended(ApiCluster cluster, int workers) {
        Pattern gauge = Pattern.compile("\npromshard_recommended_workers (\\d+)\n");
        Poll.until("promshard_recommended_workers " + workers, WAIT, () -> {
            Matcher m = gauge.matcher(get(cluster.url() + "/metrics"));
            return m.find() && Integer.parseInt(m.group(1)) == workers;
        });
    }

    private static void awaitSeries(CoordinatorClient api, long series) {
        Poll.until(series + " series reported", WAIT, () -> {
            CoordinatorStatus.Capacity c = status(api).capacity();
            return c != null && c.series() == series;
        });
    }

    private static CoordinatorStatus status(CoordinatorClient api) {
        try {
            return api.status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The samples of gauge {@code name} by their worker label. */
    private static Map<String, Double> gauges(String metrics, String name) {
        Map<String, Double> out = new TreeMap<>();
        Matcher m = Pattern.compile("\n" + name + "\\{worker=\"([^\"]+)\"} (\\S+)").matcher(metrics);
        while (m.find()) {
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    private static String get(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
