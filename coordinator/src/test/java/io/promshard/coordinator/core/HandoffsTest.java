package io.promshard.coordinator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.Share;
import io.promshard.client.api.Target;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Assignment;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** Make-before-break bookkeeping on its own: what a move records, and what ends a hand-off. */
class HandoffsTest {

    private static final long TIMEOUT = 60_000;
    private static final Predicate<String> EVERYONE_SCRAPES = w -> true;
    private static final ToLongFunction<String> NO_ACK = w -> -1;
    private static final ToLongFunction<String> NO_MANIFEST = w -> -1;

    private static Assignment owned(Map<String, List<String>> owners) {
        return Assignment.of(owners, List.of("w1", "w2", "w3"), 1);
    }

    private final Assignment before = owned(Map.of("a", List.of("w1"), "b", List.of("w1"), "c", List.of("w2")));
    /** {@code a} moves from w1 to w2; {@code b} and {@code c} stay. */
    private final Assignment after = owned(Map.of("a", List.of("w2"), "b", List.of("w1"), "c", List.of("w2")));

    @Test
    void aMoveIsKeptByItsPreviousOwnerAndTouchesBothOwners() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        Handoffs.Recorded recorded = handoffs.record(before, after, EVERYONE_SCRAPES, 5, 1_000);
        assertEquals(Set.of("w1", "w2"), recorded.touched());
        assertEquals(1, recorded.moved());
        assertEquals(Map.of("a", List.of("w1")), Map.copyOf(handoffs.extras()));
        assertEquals(1_000 + TIMEOUT, handoffs.nextDeadline());
        assertEquals(Set.of("w1"), handoffs.takeChanged(), "w1's hand-off targets changed");
        assertEquals(Set.of(), handoffs.takeChanged(), "taken once");
    }

    @Test
    void aPreviousOwnerThatCannotScrapeKeepsNothing() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        Handoffs.Recorded recorded = handoffs.record(before, after, w -> !w.equals("w1"), 5, 1_000);
        assertEquals(1, recorded.moved());
        assertTrue(handoffs.isEmpty(), "a crash cannot be bridged");
        assertEquals(Long.MAX_VALUE, handoffs.nextDeadline());
    }

    @Test
    void aHandOffEndsOnlyOnceItsEpochIsPublishedAndTheNewOwnerAcknowledgedIt() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        handoffs.record(before, after, EVERYONE_SCRAPES, 5, 1_000);
        handoffs.takeChanged();
        Handoffs.Released unpublished = handoffs.release(after, 4, w -> 5, NO_MANIFEST, EVERYONE_SCRAPES, 2_000);
        assertEquals(0, unpublished.total(), "epoch 5 is not published yet");
        Handoffs.Released unacknowledged = handoffs.release(after, 5, w -> 4, w -> 5, EVERYONE_SCRAPES, 2_000);
        assertEquals(0, unacknowledged.total(), "w2 acknowledged epoch 4 only");
        assertEquals(1, handoffs.size());
        Handoffs.Released confirmed = handoffs.release(after, 5, w -> 5, w -> 5, EVERYONE_SCRAPES, 2_000);
        assertEquals(new Handoffs.Released(1, 0, 0), confirmed);
        assertTrue(handoffs.isEmpty());
        assertEquals(Set.of("w1"), handoffs.takeChanged(), "w1 drops the target");
    }

    @Test
    void anOwnerWhoseShareDidNotChangeSinceNeedsOnlyItsManifestEpoch() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        handoffs.record(before, after, EVERYONE_SCRAPES, 5, 1_000);
        // w2's manifest is from epoch 3 (it already had the target): an ack of 3 confirms
        Handoffs.Released released = handoffs.release(after, 7, w -> 3, w -> 3, EVERYONE_SCRAPES, 2_000);
        assertEquals(1, released.confirmed());
    }

    @Test
    void anUnconfirmedHandOffEndsAtItsDeadline() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        handoffs.record(before, after, EVERYONE_SCRAPES, 5, 1_000);
        assertEquals(0, handoffs.release(after, 5, NO_ACK, NO_MANIFEST, EVERYONE_SCRAPES, 1_000 + TIMEOUT - 1).total());
        assertEquals(new Handoffs.Released(0, 1, 0),
                handoffs.release(after, 5, NO_ACK, NO_MANIFEST, EVERYONE_SCRAPES, 1_000 + TIMEOUT));
    }

    @Test
    void aHandOffWhosePreviousOwnerStopsScrapingOrWhoseTargetLeavesIsDropped() {
        Handoffs stopped = new Handoffs(TIMEOUT);
        stopped.record(before, after, EVERYONE_SCRAPES, 5, 1_000);
        assertEquals(new Handoffs.Released(0, 0, 1),
                stopped.release(after, 5, NO_ACK, NO_MANIFEST, w -> !w.equals("w1"), 2_000));

        Handoffs removed = new Handoffs(TIMEOUT);
        removed.record(before, after, EVERYONE_SCRAPES, 5, 1_000);
        Assignment withoutA = owned(Map.of("b", List.of("w1"), "c", List.of("w2")));
        assertEquals(new Handoffs.Released(0, 0, 1),
                removed.release(withoutA, 5, NO_ACK, NO_MANIFEST, EVERYONE_SCRAPES, 2_000));
    }

    @Test
    void aTargetMovedBackToItsPreviousOwnerEndsItsHandOff() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        handoffs.record(before, after, EVERYONE_SCRAPES, 5, 1_000);
        handoffs.record(after, before, EVERYONE_SCRAPES, 6, 2_000);
        assertEquals(Map.of("a", List.of("w2")), Map.copyOf(handoffs.extras()),
                "w1 owns it again; w2, its owner for one epoch, keeps it until w1 confirms");
    }

    @Test
    void aNewLeaderTakesThePublishedHandOffsAllWaitingForTheEpochInForce() {
        String key = Target.keyOf("node", "10.0.0.1:9100", Target.Scrape.of(Map.of()));
        Share w1 = new Share(Share.FORMAT, "w1", new TreeMap<>(),
                new TreeMap<>(Map.of("node", List.of(TargetGroup.of(List.of("10.0.0.1:9100"), Map.of())))));
        Share w3 = new Share(Share.FORMAT, "w3", new TreeMap<>(),
                new TreeMap<>(Map.of("node", List.of(TargetGroup.of(List.of("10.0.0.1:9100"), Map.of("a", "b"))))));
        Handoffs handoffs = new Handoffs(TIMEOUT);
        handoffs.load(new TreeMap<>(Map.of("w1", w1, "w3", w3)), 9, 1_000);
        assertEquals(Map.of(key, List.of("w1", "w3")), Map.copyOf(handoffs.extras()));
        assertEquals(1_000 + TIMEOUT, handoffs.nextDeadline());
        Assignment inForce = owned(Map.of(key, List.of("w2")));
        assertEquals(0, handoffs.release(inForce, 8, w -> 9, w -> 9, EVERYONE_SCRAPES, 2_000).total(),
                "waiting for epoch 9, which is not published as far as this call knows");
        assertEquals(1, handoffs.release(inForce, 9, w -> 9, w -> 9, EVERYONE_SCRAPES, 2_000).confirmed());
    }

    /** w1 leaves: a, b and c move to w2, w3 and w2; w3 confirms late or never. */
    private final Assignment leaving = owned(Map.of("a", List.of("w1"), "b", List.of("w1"), "c", List.of("w1")));
    private final Assignment left = owned(Map.of("a", List.of("w2"), "b", List.of("w3"), "c", List.of("w2")));

    @Test
    void theHandOffsOfOneEpochEndTogetherOnceTheLastIsConfirmed() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        handoffs.record(leaving, left, EVERYONE_SCRAPES, 5, 1_000);
        handoffs.takeChanged();
        ToLongFunction<String> onlyW2 = w -> w.equals("w2") ? 5 : 4;
        assertEquals(0, handoffs.release(left, 5, onlyW2, w -> 5, EVERYONE_SCRAPES, 2_000).total(),
                "w2 confirmed a and c, but b of the same epoch waits for w3: w1's share is rewritten once");
        assertEquals(2_000 + Handoffs.BATCH_MILLIS, handoffs.nextDeadline(), "the batch's end is looked at");
        assertEquals(Set.of(), handoffs.takeChanged());
        assertEquals(new Handoffs.Released(3, 0, 0),
                handoffs.release(left, 5, w -> 5, w -> 5, EVERYONE_SCRAPES, 2_500));
        assertEquals(Set.of("w1"), handoffs.takeChanged());
    }

    @Test
    void aConfirmedHandOffWaitsForItsEpochAtMostTheBatchTime() {
        Handoffs handoffs = new Handoffs(TIMEOUT);
        handoffs.record(leaving, left, EVERYONE_SCRAPES, 5, 1_000);
        ToLongFunction<String> onlyW2 = w -> w.equals("w2") ? 5 : -1;
        handoffs.release(left, 5, onlyW2, w -> 5, EVERYONE_SCRAPES, 2_000);
        assertEquals(0, handoffs.release(left, 5, onlyW2, w -> 5, EVERYONE_SCRAPES,
                2_000 + Handoffs.BATCH_MILLIS - 1).total());
        assertEquals(new Handoffs.Released(2, 0, 0), handoffs.release(left, 5, onlyW2, w -> 5, EVERYONE_SCRAPES,
                2_000 + Handoffs.BATCH_MILLIS), "w3 never confirms: a and c end after the batch time, b at its timeout");
        assertEquals(Map.of("b", List.of("w1")), Map.copyOf(handoffs.extras()));
        assertEquals(1_000 + TIMEOUT, handoffs.nextDeadline());
    }
}
