package io.promshard.coordinator.resources;

import io.promshard.client.Identifiers;
import io.promshard.service.JsonErrors;
import io.promshard.coordinator.core.ClusterView;
import io.promshard.coordinator.core.Coordinator;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/** What the resources share: JSON errors {@code {"code": ..., "message": ...}} and argument checks. */
final class Api {

    private Api() {
    }

    static WebApplicationException error(Response.Status status, String message) {
        return JsonErrors.error(status, message);
    }

    static String worker(String worker) {
        if (!Identifiers.isSafe(worker)) {
            throw error(Response.Status.BAD_REQUEST, "invalid worker id: must be 1-128 of A-Z a-z 0-9 . _ -");
        }
        return worker;
    }

    /** The leader's view; 503 naming the leader on a standby, or before the leader's first run. */
    static ClusterView view(Coordinator coordinator) {
        leader(coordinator);
        ClusterView view = coordinator.view();
        if (view == null) {
            throw error(Response.Status.SERVICE_UNAVAILABLE, "the leader has not published yet; try again shortly");
        }
        return view;
    }

    /** Nothing on the leader; 503 naming the leader on a standby. */
    static void leader(Coordinator coordinator) {
        if (!coordinator.isLeader()) {
            String leader = coordinator.status().leader();
            throw error(Response.Status.SERVICE_UNAVAILABLE, "only the leader answers this; this coordinator is a "
                    + "standby (leader: " + (leader.isEmpty() ? "none" : leader) + ")");
        }
    }
}
