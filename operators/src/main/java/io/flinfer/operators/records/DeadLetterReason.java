package io.flinfer.operators.records;

/**
 * Why bytes are not a request. A small fixed set, so that the {@code dead_letters{reason=...}}
 * metric has one series per kind rather than one per message; the message itself goes into the
 * dead letter.
 */
public enum DeadLetterReason {
    /** Not UTF-8 JSON, not a JSON object, or empty. */
    NOT_JSON("not_json"),
    /** A JSON object without a {@code custom_id} string: there is no one to answer. */
    NO_CUSTOM_ID("no_custom_id"),
    /** Longer than the record limit, so not parsed at all. */
    TOO_LARGE("too_large");

    private final String label;

    DeadLetterReason(String label) {
        this.label = label;
    }

    /** The metric label value. */
    public String label() {
        return label;
    }
}
