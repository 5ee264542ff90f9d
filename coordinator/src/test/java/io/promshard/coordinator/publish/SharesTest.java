package io.promshard.coordinator.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.promshard.client.api.ShardPayload;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Assignment;
import io.promshard.coordinator.assign.AssignmentEngine;
import io.promshard.coordinator.assign.Member;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.inventory.Inventory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** Shares built through the inventory index equal shares built by looking every key up. */
class SharesTest {

    @Test
    void theIndexedBuildEqualsTheLookupBuild() {
        long seed = 42;
        System.out.println("SharesTest seed " + seed);
        Random random = new Random(seed);
        Map<String, List<TargetGroup>> jobs = new HashMap<>();
        for (String job : List.of("node", "blackbox", "api")) {
            List<TargetGroup> groups = new ArrayList<>();
            for (int g = 0; g < 20; g++) {
                List<String> addresses = new ArrayList<>();
                for (int t = 0; t < 50; t++) {
                    addresses.add("10." + g + "." + random.nextInt(4) + "." + t + ":" + (9100 + random.nextInt(3)));
                }
                Map<String, String> labels = g % 3 == 0 ? Map.of("__metrics_path__", "/probe", "g", "" + g)
                        : Map.of("g", "" + g);
                groups.add(TargetGroup.of(addresses.stream().distinct().toList(), labels));
            }
            jobs.put(job, groups);
        }
        Inventory inventory = new Inventory(jobs);
        TargetSet set = TargetSet.of(inventory.keys());
        List<Member> members = new ArrayList<>();
        for (int w = 0; w < 7; w++) {
            members.add(new Member("w" + w, 1 + w % 2));
        }
        Assignment a = new AssignmentEngine().assign(set, members, null);
        List<String> workers = members.stream().map(Member::id).toList();
        int[] index = set.indexesOf(inventory.keys());
        assertEquals(Shares.build(inventory, a, workers), Shares.build(inventory, a, workers, Map.of(), index));

        Map<String, List<String>> handoff = new HashMap<>();
        for (int i = 0; i < inventory.keys().size(); i += 17) {
            handoff.put(inventory.keys().get(i), List.of("w" + (i % 7)));
        }
        SortedMap<String, ShardPayload> withHandoff = Shares.build(inventory, a, workers, handoff, index);
        assertEquals(Shares.build(inventory, a, workers, handoff), withHandoff);
        assertFalse(withHandoff.values().stream().allMatch(p -> p.handoff().isEmpty()));
    }

    @Test
    void forEachChangeReportsExactlyTheTargetsWhoseOwnersDiffer() {
        long seed = 7;
        System.out.println("SharesTest seed " + seed);
        Random random = new Random(seed);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            keys.add("job\u000010.0." + (i / 250) + "." + (i % 250) + ":9100");
        }
        TargetSet set = TargetSet.of(keys);
        AssignmentEngine engine = new AssignmentEngine();
        List<Member> ten = new ArrayList<>();
        for (int w = 0; w < 10; w++) {
            ten.add(new Member("w" + w, 1));
        }
        Assignment before = engine.assign(set, ten, null);
        List<Member> changed = new ArrayList<>(ten.subList(0, 9));
        changed.add(new Member("w9", 1, "", true, 0, 0)); // drained
        changed.add(new Member("w" + (10 + random.nextInt(5)), 2)); // a joiner
        Assignment after = engine.assign(set, changed, before);
        Map<String, List<String>> reported = new HashMap<>();
        after.forEachChange(before, (i, key, was, is) -> reported.put(key, is));
        int expected = 0;
        for (String key : keys) {
            if (!new java.util.HashSet<>(before.owners(key)).equals(new java.util.HashSet<>(after.owners(key)))) {
                expected++;
                assertEquals(after.owners(key), reported.get(key), key);
            }
        }
        assertEquals(expected, reported.size());
        assertEquals(after.movedFrom(before).count(), reported.size()); // R = 1: one placement per changed target
    }
}
