package io.promshard.sidecar.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TargetIndexTest {

    private static PrometheusClient.DiscoveredTarget active(String file, String address, String path, boolean scraped) {
        return new PrometheusClient.DiscoveredTarget(Map.of("__meta_filepath", file, "__address__", address,
                "__metrics_path__", path), Map.of("job", "x", "instance", address), true, scraped, "up");
    }

    @Test
    void targetsAreConfirmedByFileAddressAndPathOnceScrapedOrDropped() {
        Share share = new Share(1, "w1", new TreeMap<>(Map.of(
                "node", List.of(TargetGroup.of(List.of("a:1", "b:1"), Map.of())),
                "probe", List.of(TargetGroup.of(List.of("a:1"), Map.of("__metrics_path__", "/probe"))))),
                new TreeMap<>(Map.of("node", List.of(TargetGroup.of(List.of("c:1"), Map.of())))));
        TargetIndex index = TargetIndex.of(share);
        assertEquals(Set.of(Target.key("node", "a:1", null), Target.key("node", "b:1", null),
                Target.key("node", "c:1", null), Target.key("probe", "a:1", "/probe")), index.keys());

        Set<String> open = index.unconfirmed(List.of(
                active("/sd/node.json", "a:1", "/metrics", true),
                active("/sd/node.json", "b:1", "/metrics", false),          // discovered, never scraped yet
                active("/elsewhere/other.json", "c:1", "/metrics", true),    // another file: not ours
                active("/sd/probe.json", "a:1", "/wrong", true),              // a path the group does not set
                new PrometheusClient.DiscoveredTarget(Map.of("__meta_filepath", "/sd/node.json", "__address__", "c:1"),
                        Map.of(), false, false, "dropped")));                 // dropped by relabelling: settled
        assertEquals(Set.of(Target.key("node", "b:1", null), Target.key("probe", "a:1", "/probe")), open);

        assertEquals(Set.of(), index.unconfirmed(List.of(
                active("/sd/node.json", "a:1", "/metrics", true), active("/sd/node.json", "b:1", "/metrics", true),
                active("/sd/node.json", "c:1", "/metrics", true), active("/sd/probe.json", "a:1", "/probe", true))));
    }
}
