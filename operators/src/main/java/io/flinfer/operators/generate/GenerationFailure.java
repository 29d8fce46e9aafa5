package io.flinfer.operators.generate;

/** Why the engine host answered a request with an error; the label of {@code request_errors{error_kind}}. */
public enum GenerationFailure {
    /** The engine refused it (e.g. a prompt longer than max_model_len). */
    REJECTED("rejected"),
    /** Not finished by its deadline. */
    TIMEOUT("timeout"),
    /** An engine step failed while it ran. */
    ENGINE_FAILURE("engine_failure");

    private final String label;

    GenerationFailure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
