package io.flinfer.jobs.batch;

import java.io.Serializable;

/**
 * One line or row of the output, as JSON, with the numbers the progress bar and summary add up, so
 * nothing parses the output again to count it.
 */
public final class OutputRow implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String json;
    private final boolean error;
    private final long promptTokens;
    private final long completionTokens;
    private final long cachedTokens;

    OutputRow(String json, boolean error, long promptTokens, long completionTokens, long cachedTokens) {
        this.json = json;
        this.error = error;
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        this.cachedTokens = cachedTokens;
    }

    static OutputRow error(String json) {
        return new OutputRow(json, true, 0, 0, 0);
    }

    public String json() { return json; }
    public boolean isError() { return error; }
    public long promptTokens() { return promptTokens; }
    public long completionTokens() { return completionTokens; }
    public long cachedTokens() { return cachedTokens; }
}
