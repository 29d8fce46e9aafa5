package io.flinfer.operators.records;

/** A request the client must fix; its message becomes the error result. */
final class InvalidRequestException extends RuntimeException {
    private final RequestError error;

    InvalidRequestException(String message) {
        this(RequestError.BAD_REQUEST, message);
    }

    InvalidRequestException(RequestError error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    RequestError error() {
        return error;
    }
}
