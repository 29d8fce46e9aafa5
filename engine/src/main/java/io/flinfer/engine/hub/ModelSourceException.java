package io.flinfer.engine.hub;

/** A model could not be found, read or downloaded; the message says what to do about it. */
public class ModelSourceException extends RuntimeException {
    public ModelSourceException(String message) {
        super(message);
    }

    public ModelSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
