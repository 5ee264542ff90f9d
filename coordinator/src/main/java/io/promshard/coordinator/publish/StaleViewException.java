package io.promshard.coordinator.publish;

/**
 * A fenced commit failed although this coordinator still leads: what is in ZooKeeper is not what
 * it published (a znode deleted or overwritten by hand, or a commit retried after its reply was
 * lost, whose first attempt already went through). Nothing of the failed transaction was applied;
 * the caller re-reads what is published ({@link Publisher#load()}) and computes again.
 */
public class StaleViewException extends Exception {

    public StaleViewException(String message, Throwable cause) {
        super(message, cause);
    }
}
