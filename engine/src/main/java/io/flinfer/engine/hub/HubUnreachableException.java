package io.flinfer.engine.hub;

/**
 * The Hub did not answer at all (no connection, DNS failure, connection lost). Kept apart from other
 * failures because a snapshot that is already cached can still be used in that case.
 */
public final class HubUnreachableException extends ModelSourceException {
    public HubUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
