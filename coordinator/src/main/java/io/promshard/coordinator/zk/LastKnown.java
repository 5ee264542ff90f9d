package io.promshard.coordinator.zk;

import io.promshard.service.Daemons;
import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last value a ZooKeeper read produced, for answers that must not block on ZooKeeper (status,
 * metrics, the workers list): each {@link #get()} starts a read unless one is in flight, waits for
 * it at most the given bound, and otherwise answers the last value read, marked stale. At most one
 * read per instance is ever in flight, so a slow or unreachable ensemble cannot pile up threads.
 * Thread-safe.
 *
 * @param <T> what the read produces
 */
public final class LastKnown<T> implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(LastKnown.class);

    /**
     * A value and whether it is current.
     *
     * @param value    the last value read (the initial value before the first read succeeded)
     * @param stale    whether this answer's read did not complete within the bound (or failed)
     * @param atMillis when the value was read (0: never)
     */
    public record Value<T>(T value, boolean stale, long atMillis) {
    }

    private final String what;
    private final Callable<T> read;
    private final ExecutorService executor;
    private final long waitMillis;
    private Value<T> last;
    private Future<T> inFlight;

    /**
     * @param what    names the read in the log and its thread
     * @param initial the answer before any read completed
     * @param wait    how long a caller waits for a read before it gets the last value
     */
    public LastKnown(String what, Callable<T> read, T initial, Duration wait) {
        this.what = what;
        this.read = read;
        this.executor = Daemons.singleThread("promshard-read-" + what);
        this.waitMillis = wait.toMillis();
        this.last = new Value<>(initial, true, 0);
    }

    public Value<T> get() {
        Future<T> reading;
        synchronized (this) {
            if (inFlight == null || inFlight.isDone()) {
                if (executor.isShutdown()) {
                    return staleValue(); // closed: the last value, as after a failed read
                }
                inFlight = executor.submit(read);
            }
            reading = inFlight;
        }
        try {
            T value = reading.get(waitMillis, TimeUnit.MILLISECONDS);
            Value<T> fresh = new Value<>(value, false, System.currentTimeMillis());
            synchronized (this) {
                last = fresh;
            }
            return fresh;
        } catch (TimeoutException e) {
            return staleValue();
        } catch (ExecutionException e) {
            LOG.debug("{}: read failed, answering the last value: {}", what, e.getCause().toString());
            return staleValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return staleValue();
        }
    }

    /** Stops the read thread; a read in flight is interrupted. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    private synchronized Value<T> staleValue() {
        return new Value<>(last.value(), true, last.atMillis());
    }
}
