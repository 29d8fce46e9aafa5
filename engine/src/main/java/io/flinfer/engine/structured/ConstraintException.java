package io.flinfer.engine.structured;

/**
 * A constraint that cannot be compiled: an invalid schema or regex, or a keyword this engine does
 * not support (named in the message). Callers answer the request with a 400.
 */
public final class ConstraintException extends IllegalArgumentException {
    public ConstraintException(String message) {
        super(message);
    }
}
