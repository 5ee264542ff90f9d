package io.promshard.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.promshard.client.api.ShareManifest;
import io.promshard.client.api.Share;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.WorkerInfo;
import io.promshard.client.api.WorkerState;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Every wire format read from its fixture, and written back to the same JSON. */
class WireFormatTest {

    private static JsonNode fixture(String name) throws Exception {
        try (InputStream in = WireFormatTest.class.getResourceAsStream("/fixtures/" + name)) {
            return Json.mapper().readTree(in);
        }
    }

    private static <T> void roundTrips(String fixture, Class<T> type, T expected) throws Exception {
        JsonNode json = fixture(fixture);
        assertEquals(expected, Json.mapper().treeToValue(json, type));
        assertEquals(json, Json.mapper().readTree(Json.mapper().writeValueAsString(expected)));
    }

    @Test
    void workerInfo() throws Exception {
        roundTrips("worker-info-v1.json", WorkerInfo.class, new WorkerInfo(1, "w-1", "http://127.0.0.1:9090",
                "http://127.0.0.1:8101", "eu-1a", 2, WorkerState.ACTIVE, 0, 0, "host-1/4242/5f3a9c1e"));
        assertEquals("127.0.0.1:9090", Json.mapper().treeToValue(fixture("worker-info-v1.json"), WorkerInfo.class)
                .prometheusAddress());
    }

    @Test
    void workerInfoWithoutTheOptionalCapsReadsAsNoCaps() throws Exception {
        WorkerInfo w = Json.mapper().readValue("{\"version\":1,\"id\":\"w\",\"capacity\":1}", WorkerInfo.class);
        assertEquals(0, w.maxTargets());
        assertEquals(WorkerState.ACTIVE, w.state());
    }

    @Test
    void share() throws Exception {
        roundTrips("share-v1.json", Share.class, new Share(1, "w-1", new TreeMap<>(Map.of("node",
                List.of(TargetGroup.of(List.of("10.0.0.1:9100", "10.0.0.2:9100"), Map.of("rack", "r1", "env", "prod")))))));
    }

    @Test
    void shareManifest() throws Exception {
        ShareManifest m = new ShareManifest(1, "w-1", 42, List.of("node"), 2, 1,
                "5a6e0c7cbd6a5c4ee6e9b1c0a1c4c8a8d0f2b5a3b0c1d2e3f405162738495a6b");
        roundTrips("share-manifest-v1.json", ShareManifest.class, m);
        assertEquals("5a6e0c7cbd6a5c4e-0", m.chunkName(0));
    }

    @Test
    void targetGroupIsPrometheusFileSdShape() throws Exception {
        String json = Json.mapper().writeValueAsString(TargetGroup.of(List.of("h:1"), null));
        assertEquals("{\"targets\":[\"h:1\"],\"labels\":{}}", json);
        TargetGroup noLabels = Json.mapper().readValue("{\"targets\":[\"h:1\"]}", TargetGroup.class);
        assertEquals(Map.of(), noLabels.labels());
    }

    @Test
    void aGroupDerivedFromAnotherSharesItsLabelsAndKeepsThemSorted() throws Exception {
        TargetGroup group = TargetGroup.of(List.of("h:1", "h:2"), Map.of("zone", "b", "env", "prod"));
        assertEquals(List.of("env", "zone"), List.copyOf(group.labels().keySet()));
        assertSame(group.labels(), group.withTargets(List.of("h:2")).labels(),
                "a share's group repeats its inventory group's labels without a copy");
        assertThrows(UnsupportedOperationException.class, () -> group.labels().put("env", "dev"));
        assertEquals("{\"targets\":[\"h:1\",\"h:2\"],\"labels\":{\"env\":\"prod\",\"zone\":\"b\"}}",
                Json.mapper().writeValueAsString(group));
    }

    @Test
    void aLabelWithoutValueIsRefusedByName() {
        Exception e = assertThrows(Exception.class, () -> Json.mapper().readValue(
                "{\"targets\":[\"h:1\"],\"labels\":{\"env\":null}}", TargetGroup.class));
        assertTrue(String.valueOf(e.getMessage()).contains("label env of a target group has no value"), e.getMessage());
    }

    @Test
    void payloadsRefuseUnsafeNames() {
        assertThrows(Exception.class, () -> Json.mapper().readValue(
                "{\"version\":1,\"worker\":\"../etc\",\"jobs\":{}}", Share.class));
        assertThrows(Exception.class, () -> Json.mapper().readValue(
                "{\"version\":1,\"worker\":\"w\",\"jobs\":{\"../x\":[]}}", Share.class));
    }
}
