package io.flinfer.operators.generate;

import io.flinfer.engine.RequestOutput;

/** Receives one request's progress from the engine thread. Implementations hand it to their task. */
public interface GenerationListener {
    /** New tokens were generated; called only while the request is unfinished. */
    void onTokens(int[] newTokenIds);

    /** The request finished ({@code stop} or {@code length}). */
    void onFinished(RequestOutput output);

    /** The request ended with an error instead; {@code message} says why, for the client. */
    void onFailed(GenerationFailure failure, String message);
}
