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
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last value a ZooKeeper read produced, for answers that must not block on ZooKeeper (status,
 * metrics, the workers list). While the session is connected, a value read less than
 * {@code refresh} ago is answered as it is, and an older one is still answered at once while a
 * read refreshes it in the background, as long as the last read succeeded within
 * {@code 3 * refresh}; past that, or disconnected (the first request, or reads failing or
 * slow) {@link #get()} waits for the read at most {@code wait} and otherwise answers the last value,
 * marked stale. So any number of clients polling cost at most one ZooKeeper read per {@code refresh}
 * and never wait on it while ZooKeeper answers, and at most one read per instance is ever in
 * flight, so a slow or unreachable ensemble cannot pile up threads. The same holds for any costly
 * value many clients poll: the workers list and {@code /metrics} keep their rendered pages in one
 * (their "read" renders the page). Thread-safe.
 *
 * @param <T> what the read produces
 */
public final class LastKnown<T> implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(LastKnown.class);
    /** How many refresh intervals a value is answered without waiting, its refresh in flight. */
    private static final int SERVED_REFRESHES = 3;

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
    private final long refreshMillis;
    private final BooleanSupplier connected;
    /** The last successful read (never marked stale), or the initial value at 0. */
    private Value<T> last;
    private Future<T> inFlight;

    /**
     * @param what    names the read in the log and its thread
     * @param initial the answer before any read completed
     * @param wait    how long a caller waits for a read before it gets the last value
     * @param refresh   how old a value may be before a request starts a read to refresh it
     * @param connected whether the session is connected (a value is answered without a read only then)
     */
    public LastKnown(String what, Callable<T> read, T initial, Duration wait, Duration refresh,
                     BooleanSupplier connected) {
        this.what = what;
        this.read = read;
        this.executor = Daemons.singleThread("promshard-read-" + what);
        this.waitMillis = wait.toMillis();
        this.refreshMillis = refresh.toMillis();
        this.connected = connected;
        this.last = new Value<>(initial, true, 0);
    }

    public Value<T> get() {
        Future<T> reading;
        synchronized (this) {
            long age = System.currentTimeMillis() - last.atMillis();
            boolean served = last.atMillis() > 0 && age < SERVED_REFRESHES * refreshMillis
                    && connected.getAsBoolean();
            if (served && age < refreshMillis) {
                return last;
            }
            if (inFlight == null || inFlight.isDone()) {
                if (executor.isShutdown()) {
                    return staleValue(); // closed: the last value, as after a failed read
                }
                inFlight = executor.submit(this::readAndKeep);
            }
            if (served) {
                return last; // refreshed in the background; this answer does not wait for it
            }
            reading = inFlight;
        }
        try {
            reading.get(waitMillis, TimeUnit.MILLISECONDS);
            synchronized (this) {
                return last;
            }
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

    /** Takes {@code value}, known current from elsewhere (the leader's own picture), as if just read. */
    public synchronized void remember(T value) {
        last = new Value<>(value, false, System.currentTimeMillis());
    }

    private T readAndKeep() throws Exception {
        T value = read.call();
        synchronized (this) {
            last = new Value<>(value, false, System.currentTimeMillis());
        }
        return value;
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
