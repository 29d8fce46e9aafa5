package io.flinfer.engine.core;

/** Why a request ended, with the OpenAI API's name for each ({@code finish_reason}). */
public enum FinishReason {
    /** The end-of-sequence token, a stop token or a stop string. */
    STOP("stop"),
    /** {@code max_tokens} or the model's length reached. */
    LENGTH("length"),
    /** The caller aborted it. */
    ABORT("abort"),
    /** The engine could not serve it; the output says why. */
    ERROR("error");

    private final String openAiName;

    FinishReason(String openAiName) {
        this.openAiName = openAiName;
    }

    /** {@code "stop"}, {@code "length"}, {@code "abort"} or {@code "error"}. */
    public String openAiName() {
        return openAiName;
    }
}
