package io.promshard.client.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A delta applied as it may arrive from elsewhere: changes in any order, one label set changed twice. */
class ShareDeltaTest {

    private static Share share(Map<String, List<TargetGroup>> jobs) {
        return new Share(Share.FORMAT, "w1", new TreeMap<>(jobs), new TreeMap<>());
    }

    private static ShareDelta delta(List<ShareDelta.Change> changes) {
        return new ShareDelta(ShareDelta.FORMAT, "w1", new TreeMap<>(Map.of("node", changes)), new TreeMap<>());
    }

    @Test
    void changesInAnyOrderApplyAsInLabelOrder() {
        Share base = share(Map.of("node", List.of(
                TargetGroup.of(List.of("a:1", "b:1"), Map.of("zone", "x")),
                TargetGroup.of(List.of("c:1"), Map.of("zone", "y")),
                TargetGroup.of(List.of("d:1"), Map.of("zone", "z")))));
        Share next = share(Map.of("node", List.of(
                TargetGroup.of(List.of("e:1"), Map.of()),
                TargetGroup.of(List.of("a:1"), Map.of("zone", "x")),
                TargetGroup.of(List.of("d:1", "f:1"), Map.of("zone", "z")))));
        ShareDelta between = ShareDelta.between(base, next);
        List<ShareDelta.Change> reversed = new ArrayList<>(between.jobs().get("node"));
        Collections.reverse(reversed);

        assertEquals(next.canonical(), between.applyTo(base));
        assertEquals(next.canonical(), delta(reversed).applyTo(base));
    }

    @Test
    void twoChangesOfOneLabelSetApplyOneAfterTheOther() {
        Share base = share(Map.of("node", List.of(TargetGroup.of(List.of("a:1"), Map.of("zone", "x")))));
        ShareDelta twice = delta(List.of(
                new ShareDelta.Change(new TreeMap<>(Map.of("zone", "x")), List.of("b:1"), List.of("a:1")),
                new ShareDelta.Change(new TreeMap<>(Map.of("zone", "x")), List.of("c:1"), List.of("b:1")),
                new ShareDelta.Change(new TreeMap<>(Map.of("zone", "w")), List.of("d:1"), List.of()),
                new ShareDelta.Change(new TreeMap<>(Map.of("zone", "w")), List.of(), List.of("d:1"))));

        assertEquals(share(Map.of("node", List.of(TargetGroup.of(List.of("c:1"), Map.of("zone", "x"))))),
                twice.applyTo(base));
    }

    @Test
    void aChangeThatDoesNotFitItsBaseIsRefusedByName() {
        Share base = share(Map.of("node", List.of(TargetGroup.of(List.of("a:1"), Map.of()))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> delta(List.of(new ShareDelta.Change(new TreeMap<>(), List.of("a:1"), List.of()))).applyTo(base));
        assertEquals(true, e.getMessage().contains("adds a:1, which the base has already"), e.getMessage());
    }
}
