package io.promshard.client.rest;

/**
 * A request to the coordinator failed: {@link #status()} is the HTTP status of a refused request
 * (its JSON error message is the exception's message), or 0 when the coordinator could not be reached.
 */
public class CoordinatorException extends Exception {

    private final int status;

    public CoordinatorException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status, 0 when no answer arrived. */
    public int status() {
        return status;
    }

    /** Whether the coordinator was not reached at all (connection refused, timeout). */
    public boolean unreachable() {
        return status == 0;
    }
}
