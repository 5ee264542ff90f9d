package io.promshard.client.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waiting in tests: poll a condition until it holds or a deadline passes. Never a fixed sleep. */
public final class Poll {

    private Poll() {
    }

    /** Polls {@code condition} every 20 ms until it is true; fails with {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, Supplier<Boolean> condition) {
        until(what, timeout, Duration.ofMillis(20), condition);
    }

    /**
     * Polls {@code condition} every {@code interval} (for conditions that cost a request to another
     * process); fails with {@code what} after {@code timeout}. A condition that throws is retried, except
     * for an {@link Error} other than an {@link AssertionError}, which ends the wait at once.
     */
    public static void until(String what, Duration timeout, Duration interval, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
                last = null;
            } catch (RuntimeException | AssertionError e) {
                last = e;
            }
            try {
                Thread.sleep(interval.toMillis()); // the polling interval, not a wait for an outcome
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }
}
