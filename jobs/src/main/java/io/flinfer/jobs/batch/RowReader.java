package io.flinfer.jobs.batch;

import java.io.Closeable;
import java.io.IOException;

/** Reads the records of one input file in order, as text: a JSON line, or a Parquet row as a JSON object. */
interface RowReader extends Closeable {
    /** The next record, or null at the end of the file. */
    String next() throws IOException;
}
