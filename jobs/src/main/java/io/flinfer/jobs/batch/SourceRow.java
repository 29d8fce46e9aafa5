package io.flinfer.jobs.batch;

import java.io.Serializable;

/**
 * One record of an input file: a JSON line as written, or a Parquet row rendered as a JSON object,
 * with the file it came from and its 0-based index there (for ids and error messages).
 * A class, not a record: Flink's Kryo fallback cannot write the final fields of records.
 */
public final class SourceRow implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long index;
    private final String text;

    public SourceRow(String file, long index, String text) {
        this.file = file;
        this.index = index;
        this.text = text;
    }

    public String file() { return file; }
    public long index() { return index; }
    public String text() { return text; }

    /** Where the row is, for people: "line 12 of data.jsonl" counts from 1. */
    public String location() {
        return "row " + (index + 1) + " of " + file;
    }
}
