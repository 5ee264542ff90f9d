package io.promshard.coordinator.assign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promshard.client.testing.Seeds;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.RandomAccess;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A target set keyed by position in a key list: keys asked for only where they are needed. */
class TargetSetTest {

    /** A key list that counts how often a key is asked for, as an inventory builds each one asked for. */
    private static final class CountingKeys extends AbstractList<String> implements RandomAccess {
        private final List<String> keys;
        final AtomicInteger asked = new AtomicInteger();

        CountingKeys(List<String> keys) {
            this.keys = keys;
        }

        @Override
        public String get(int index) {
            asked.incrementAndGet();
            return new String(keys.get(index)); // a new string each time, as built on demand
        }

        @Override
        public int size() {
            return keys.size();
        }
    }

    private static TargetSet over(List<String> keys, double weight) {
        TargetSet.Builder b = TargetSet.over(keys);
        for (int position = 0; position < keys.size(); position++) {
            b.add(position, weight, null, TargetSet.DEFAULT_REPLICAS);
        }
        return b.build();
    }

    @Test
    void aSetOverItsOwnKeyListIsIndexedAndMatchedWithoutAskingForAKey() {
        CountingKeys keys = new CountingKeys(EngineFixtures.keys("node", 10_000));
        TargetSet set = over(keys, 1);
        TargetSet reweighed = over(keys, 2);
        keys.asked.set(0);

        int[] index = set.indexesOf(keys);
        int[] match = reweighed.indexesIn(set);

        assertEquals(0, keys.asked.get(), "positions are inverted and compared, no key built");
        for (int position = 0; position < keys.size(); position++) {
            assertEquals(keys.keys.get(position), set.key(index[position]));
        }
        for (int i = 0; i < reweighed.size(); i++) {
            assertEquals(reweighed.key(i), set.key(match[i]));
        }
    }

    @Test
    void setsOverDifferentKeyListsMatchTargetByTargetByKey() {
        long seed = Seeds.seed("setsOverDifferentKeyListsMatchTargetByTargetByKey");
        Random random = new Random(seed);
        List<String> all = EngineFixtures.keys("node", 5_000);
        List<String> before = new ArrayList<>();
        List<String> after = new ArrayList<>();
        for (String key : all) {
            int where = random.nextInt(3); // in both, only before, only after
            if (where != 2) {
                before.add(key);
            }
            if (where != 1) {
                after.add(key);
            }
        }
        Collections.shuffle(after, random);
        TargetSet old = over(before, 1);
        TargetSet now = over(new CountingKeys(after), 1);
        Map<String, Integer> oldIndex = new HashMap<>();
        for (int i = 0; i < old.size(); i++) {
            oldIndex.put(old.key(i), i);
        }

        int[] match = now.indexesIn(old);

        for (int i = 0; i < now.size(); i++) {
            assertEquals(oldIndex.getOrDefault(now.key(i), -1), match[i], "seed " + seed + ": " + now.key(i));
        }
    }

    @Test
    void aTargetAddedTwiceIsOneTargetWithTheLargerWeightInEitherBuilder() {
        List<String> keys = List.of("j\u0000a:1", "j\u0000b:1", "j\u0000a:1");
        TargetSet.Builder byKey = TargetSet.builder(3);
        TargetSet.Builder byPosition = TargetSet.over(keys);
        for (int position = 0; position < keys.size(); position++) {
            byKey.add(keys.get(position), position + 1, null);
            byPosition.add(position, position + 1, null, TargetSet.DEFAULT_REPLICAS);
        }
        byPosition.add(1, 7, null, TargetSet.DEFAULT_REPLICAS);
        TargetSet fromKeys = byKey.build();
        TargetSet fromPositions = byPosition.build();

        assertEquals(2, fromKeys.size());
        assertEquals(2, fromPositions.size());
        assertEquals(3.0, fromKeys.weight(fromKeys.indexOf("j\u0000a:1")));
        assertEquals(3.0, fromPositions.weight(fromPositions.indexOf("j\u0000a:1")));
        assertEquals(7.0, fromPositions.weight(fromPositions.indexOf("j\u0000b:1")), "one position added twice");
        assertArrayEquals(fromKeys.indexesOf(keys), fromPositions.indexesOf(keys));
    }

    @Test
    void aSetWhoseTargetsAllWeighOneKeepsNoWeightsYetWeighsEachOne() {
        TargetSet set = TargetSet.of(EngineFixtures.keys("node", 1_000));
        for (int i = 0; i < set.size(); i++) {
            assertEquals(1.0, set.weight(i));
        }
        assertEquals(1_000.0, set.totalWeight());
        assertEquals(1.0, set.maxWeight());
    }

    @Test
    void aBuilderIsGivenKeysOrPositionsAsItWasMadeAndABadWeightNamesItsTarget() {
        assertThrows(IllegalStateException.class, () -> TargetSet.over(List.of("j\u0000a:1")).add("j\u0000a:1", 1, null));
        assertThrows(IllegalStateException.class, () -> TargetSet.builder(1).add(0, 1, null, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> TargetSet.over(List.of("j\u0000a:1")).add(1, 1, null, 0));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TargetSet.over(List.of("j\u0000a:1")).add(0, -1, null, 0));
        assertEquals("target j\u0000a:1: weight must be positive, was -1.0", bad.getMessage());
    }
}
