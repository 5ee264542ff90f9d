package io.promshard.coordinator.core;

import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard against a large target drop: when the inventory loses more than {@code maxTargetDrop}
 * of the targets in force at once, and no operator confirmed that inventory (by its digest, kept in
 * ZooKeeper so that a new leader honours the confirmation), the leader keeps the published
 * assignment. The reason is in the status, the log (once per inventory) and
 * {@code promshard_publish_held}.
 *
 * <p>Decided on the control loop; read by request threads.
 */
final class DropHold {

    private static final Logger LOG = LoggerFactory.getLogger(DropHold.class);

    private final double maxTargetDrop;
    /** The inventory digest publishing is held for, or null. */
    private volatile String heldInventory;
    private volatile String reason = "";

    /** Reads the digest of the inventory an operator confirmed, if any (a ZooKeeper read: only when needed). */
    @FunctionalInterface
    interface Confirmation {
        Optional<String> read() throws Exception;
    }

    DropHold(double maxTargetDrop) {
        this.maxTargetDrop = maxTargetDrop;
    }

    /**
     * Whether this run must keep the published assignment: {@code after} targets where {@code before}
     * are in force is a drop of more than {@code maxTargetDrop · before}, and the digest an operator
     * confirmed is not the inventory's.
     */
    boolean holds(int before, int after, String inventoryDigest, Confirmation confirmation) throws Exception {
        if (before == 0 || after >= before || (before - after) <= maxTargetDrop * before) {
            release("the targets are back");
            return false;
        }
        if (inventoryDigest.equals(confirmation.read().orElse(""))) {
            release("the drop of " + (before - after) + " targets was confirmed");
            return false;
        }
        String why = String.format(Locale.ROOT, "the inventory lost %d of the %d targets in force "
                + "(%.0f%%, more than assignment.maxTargetDrop %.0f%%): not published, the published assignment "
                + "stays in force until the drop is confirmed (POST /api/v1/inventory/drop/confirm) or the targets "
                + "are back", before - after, before, 100.0 * (before - after) / before, 100 * maxTargetDrop);
        if (!inventoryDigest.equals(heldInventory)) {
            LOG.error(why);
        }
        heldInventory = inventoryDigest;
        reason = why;
        return true;
    }

    private void release(String why) {
        if (heldInventory != null) {
            LOG.warn("publishing again: {}", why);
        }
        heldInventory = null;
        reason = "";
    }

    /** The digest of the inventory publishing is held for, if a drop is held. */
    Optional<String> heldInventory() {
        return Optional.ofNullable(heldInventory);
    }

    /** Why publishing is held, or empty. */
    String reason() {
        return reason;
    }
}
