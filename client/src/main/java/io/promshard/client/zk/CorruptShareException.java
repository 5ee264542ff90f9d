package io.promshard.client.zk;

/** An assignment znode that cannot be applied: unreadable, of an unknown version, or failing its digest. */
public class CorruptShareException extends Exception {

    public CorruptShareException(String message) {
        super(message);
    }

    public CorruptShareException(String message, Throwable cause) {
        super(message, cause);
    }
}
