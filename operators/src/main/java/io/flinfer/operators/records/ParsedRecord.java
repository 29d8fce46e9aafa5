package io.flinfer.operators.records;

import java.io.Serializable;

/** What {@link RequestParser} made of one record: one of three outcomes, nothing dropped. */
public sealed interface ParsedRecord extends Serializable {

    /** A request the engine can serve. */
    record Valid(InferenceRequest request) implements ParsedRecord {}

    /**
     * A request with a {@code custom_id} that cannot be served as written: answer it with
     * {@link ResultWriter#error(String, RequestError, String)} so the client sees why.
     */
    record BadRequest(String customId, RequestError error, String message) implements ParsedRecord {}

    /** Bytes that are not a request at all (no {@code custom_id} to answer): dead-letter them. */
    record NotARequest(DeadLetterReason kind, String reason) implements ParsedRecord {}
}
