package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The inventory's keys, built on demand, in inventory order. */
class InventoryTest {

    @Test
    void everyPositionHoldsTheKeyOfItsJobGroupAndAddressInInventoryOrder() {
        Map<String, List<TargetGroup>> jobs = Map.of(
                "node", List.of(TargetGroup.of(List.of("a:9100"), Map.of()),
                        TargetGroup.of(List.of("b:9100", "c:9100", "d:9100"), Map.of("zone", "x")),
                        TargetGroup.of(List.of("e:9100", "f:9100"), Map.of("__metrics_path__", "/m"))),
                "blackbox", List.of(TargetGroup.of(List.of("https://example.org", "https://example.net"),
                        Map.of("__param_module", "http_2xx"))),
                "api", List.of(TargetGroup.of(List.of("g:80"), Map.of())));
        Inventory inventory = new Inventory(jobs);

        List<String> expected = new ArrayList<>();
        inventory.jobs().forEach((job, groups) -> groups.forEach(g -> g.targets().forEach(
                address -> expected.add(Target.keyOf(job, address, g.labels())))));

        assertEquals(9, inventory.targetCount());
        assertEquals(expected, inventory.keys());
        assertEquals(List.of("api\u0000g:80", "blackbox\u0000https://example.org\u0000/metrics\u0000?module=http_2xx"),
                inventory.keys().subList(0, 2));
        assertEquals("node\u0000f:9100\u0000/m", inventory.keys().get(8));
        assertThrows(IndexOutOfBoundsException.class, () -> inventory.keys().get(9));
        assertThrows(IndexOutOfBoundsException.class, () -> inventory.keys().get(-1));
        assertEquals(List.of(), Inventory.empty().keys());
    }
}
