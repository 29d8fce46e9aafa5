package io.flinfer.operators.records;

import org.apache.flink.util.OutputTag;

/**
 * The side outputs of the steps before generate. Parse and prepare both answer a request they cannot
 * serve with an error result, which joins generate's results; bytes that are not a request leave
 * as dead letters.
 */
public final class SideOutputs {
    public static final OutputTag<ResultLine> ERROR_RESULTS = new OutputTag<>("error-results") {};
    public static final OutputTag<String> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private SideOutputs() {}
}
