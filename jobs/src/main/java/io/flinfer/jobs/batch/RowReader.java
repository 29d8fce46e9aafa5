package io.flinfer.jobs.batch;

import java.io.Closeable;
import java.io.IOException;

/** Reads the records of one input file in order: JSONL lines as text, Parquet rows as their values. */
interface RowReader extends Closeable {
    /** The next record, numbered {@code index} (0-based) in {@code file}, or null at the end of the file. */
    SourceRow next(String file, long index) throws IOException;
}
