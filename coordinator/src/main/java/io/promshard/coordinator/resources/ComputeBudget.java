package io.promshard.coordinator.resources;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Bounds what read requests, which need no token, can make the coordinator compute (a dry run
 * recomputes the whole assignment; a lookup ranks every worker and scans the shares): at most
 * {@code permits} computations at once, a request waiting at most {@code wait} for one before it is
 * answered 429 with {@code Retry-After}, and the last {@value #REMEMBERED} answers remembered, so
 * that the same question about the same view is computed once. Thread-safe.
 */
public final class ComputeBudget {

    static final int REMEMBERED = 32;

    private final String what;
    private final Semaphore permits;
    private final long waitMillis;
    private final AtomicLong computed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Map<Object, Object> answers = new LinkedHashMap<>(REMEMBERED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Object> eldest) {
            return size() > REMEMBERED;
        }
    };

    public ComputeBudget(String what, int permits, Duration wait) {
        this.what = what;
        this.permits = new Semaphore(permits);
        this.waitMillis = wait.toMillis();
    }

    /**
     * The answer to {@code question} (a value with equals and hashCode that names the view it is
     * about), remembered or computed within the budget.
     *
     * @throws jakarta.ws.rs.WebApplicationException 429 when no permit came within the wait
     */
    @SuppressWarnings("unchecked")
    public <T> T answer(Object question, Supplier<T> compute) {
        synchronized (answers) {
            Object known = answers.get(question);
            if (known != null) {
                return (T) known;
            }
        }
        boolean acquired;
        try {
            acquired = permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            refused.incrementAndGet();
            Response busy = Api.error(Response.Status.TOO_MANY_REQUESTS, "too many " + what
                    + " requests computing at once; retry in a second").getResponse();
            throw new WebApplicationException(Response.fromResponse(busy).header("Retry-After", "1").build());
        }
        try {
            synchronized (answers) {
                Object known = answers.get(question); // computed while this request waited
                if (known != null) {
                    return (T) known;
                }
            }
            T answer = compute.get();
            computed.incrementAndGet();
            synchronized (answers) {
                answers.put(question, answer);
            }
            return answer;
        } finally {
            permits.release();
        }
    }

    public String what() {
        return what;
    }

    /** Answers computed (not remembered) since start. */
    public long computed() {
        return computed.get();
    }

    /** Requests answered 429 since start. */
    public long refused() {
        return refused.get();
    }
}
