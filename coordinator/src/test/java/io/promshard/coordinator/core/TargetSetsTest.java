package io.promshard.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.inventory.Inventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine's target set built from an inventory: one key per scrape, learned weights, pins. */
class TargetSetsTest {

    private static final Inventory INVENTORY = new Inventory(Map.of(
            "node", List.of(TargetGroup.of(List.of("10.0.0.1:9100", "10.0.0.2:9100", "10.0.0.3:9100"), Map.of())),
            "blackbox", List.of(
                    TargetGroup.of(List.of("https://example.org"), Map.of("__param_module", "http_2xx")),
                    TargetGroup.of(List.of("https://example.org"), Map.of("__param_module", "tcp_connect")))));

    private static String node(int n) {
        return Target.keyOf("node", "10.0.0." + n + ":9100", Target.Scrape.of(Map.of()));
    }

    private static String probe(String module) {
        return Target.keyOf("blackbox", "https://example.org", Target.Scrape.of(Map.of("__param_module", module)));
    }

    @Test
    void everyScrapeIsOneKeyOfWeightOneWhileNothingIsLearned() {
        TargetSet set = new TargetSets(List.of()).build(INVENTORY);
        assertEquals(5, set.size(), "two probes of one URL with other parameters are two scrapes");
        for (String key : List.of(node(1), node(2), node(3), probe("http_2xx"), probe("tcp_connect"))) {
            assertEquals(1.0, set.weight(set.indexOf(key)), key);
        }
        assertEquals(5.0, set.totalWeight());
    }

    @Test
    void theSetIsKeyedByPositionInTheInventorysKeysWhichItHoldsNoStringOf() {
        TargetSet set = new TargetSets(List.of()).build(INVENTORY, Map.of(node(2), 40L));
        List<String> keys = INVENTORY.keys();
        assertNotSame(keys.get(0), keys.get(0), "the inventory builds a key when asked; a million held would be 64 MB");
        int[] index = set.indexesOf(keys);
        for (int position = 0; position < keys.size(); position++) {
            assertEquals(keys.get(position), set.key(index[position]));
            assertEquals(set.indexOf(keys.get(position)), index[position], keys.get(position));
        }
    }

    @Test
    void aTargetWeighsItsLearnedSeriesAndAnUnknownOneTheMeanOfTheKnown() {
        TargetSet set = new TargetSets(List.of()).build(INVENTORY,
                Map.of(node(1), 100L, node(2), 300L, "gone\u0000from the inventory", 10_000L));
        assertEquals(100.0, set.weight(set.indexOf(node(1))));
        assertEquals(300.0, set.weight(set.indexOf(node(2))));
        assertEquals(200.0, set.weight(set.indexOf(node(3))), "the mean of this inventory's learned targets");
        assertEquals(200.0, set.weight(set.indexOf(probe("http_2xx"))));
    }

    @Test
    void aPinOnAnAddressWinsOverThePinOnItsJob() {
        List<PinRule> rules = List.of(new PinRule("node", "", List.of("w1"), ""),
                new PinRule("node", "10.0.0.2:9100", List.of("w3"), ""));
        TargetSet set = new TargetSets(rules).build(INVENTORY);
        List<Member> members = new ArrayList<>();
        for (String id : List.of("w1", "w2", "w3")) {
            members.add(Member.of(id, 1));
        }
        Assignment assignment = new AssignmentEngine().assign(set, members, null);
        assertEquals(List.of("w1"), assignment.owners(node(1)));
        assertEquals(List.of("w3"), assignment.owners(node(2)));
        assertEquals(List.of("w1"), assignment.owners(node(3)));
    }
}
