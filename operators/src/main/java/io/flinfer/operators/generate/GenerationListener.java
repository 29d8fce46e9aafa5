package io.flinfer.operators.generate;

import io.flinfer.engine.RequestOutput;

/** Receives one request's progress from the engine thread. Implementations hand it to their task. */
public interface GenerationListener {
    /** New tokens were generated; called only while the request is unfinished. */
    void onTokens(int[] newTokenIds);

    /** The request finished, failed or timed out ({@link RequestOutput#error()} says which). */
    void onFinished(RequestOutput output);
}
