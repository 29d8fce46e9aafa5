package io.flinfer.operators.records;

/** A request the client must fix; its message becomes the 400 error result. */
final class InvalidRequestException extends RuntimeException {
    InvalidRequestException(String message) {
        super(message, null, false, false);
    }
}
