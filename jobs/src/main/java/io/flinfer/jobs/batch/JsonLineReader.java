package io.flinfer.jobs.batch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** The lines of a JSONL file, one at a time; a line is never longer in memory than itself. */
final class JsonLineReader implements RowReader {
    private final BufferedReader lines;

    JsonLineReader(InputStream in) {
        this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /** The next line, or null at the end of the file. */
    String nextLine() throws IOException {
        return lines.readLine();
    }

    @Override
    public SourceRow next(String file, long index) throws IOException {
        String line = lines.readLine();
        return line == null ? null : SourceRow.line(file, index, line);
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
