package io.flinfer.jobs.batch;

import java.io.Serializable;

/**
 * One input row on its way to the engine: its request line (an OpenAI Batch API request), the key
 * that must be unique in the input (the custom_id), and for datasets the row itself, which meets its
 * result again at the sink. A row that could not become a request carries the reason instead.
 */
public final class BatchItem implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String requestLine;
    private final String row;
    private final String error;
    private final String file;
    private final long index;

    BatchItem(String key, String requestLine, String row, String error, SourceRow source) {
        this.key = key;
        this.requestLine = requestLine;
        this.row = row;
        this.error = error;
        this.file = source.file();
        this.index = source.index();
    }

    /** The custom_id, or for a line without one a key of its own that no custom_id can take. */
    public String key() { return key; }
    /** The OpenAI Batch API request line; null when {@link #error()} says why there is none. */
    public String requestLine() { return requestLine; }
    /** The dataset row as a JSON object; null for OpenAI request files. */
    public String row() { return row; }
    public String error() { return error; }
    public String file() { return file; }
    public long index() { return index; }
}
