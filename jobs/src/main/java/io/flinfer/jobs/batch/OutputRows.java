package io.flinfer.jobs.batch;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/** Counts the rows of output files without parsing them: newlines of JSONL, footers of Parquet. */
public final class OutputRows {
    private OutputRows() {}

    public static long count(Path file, DatasetFormat format) throws IOException {
        if (format == DatasetFormat.PARQUET) {
            return ParquetRowReader.rowCount(file);
        }
        long lines = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = file.getFileSystem().open(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    lines += buffer[i] == '\n' ? 1 : 0;
                }
            }
        }
        return lines;
    }

    /** Rows in the part files a run has committed so far. */
    public static long inParts(Path parts, DatasetFormat format) throws IOException {
        long rows = 0;
        List<FileStatus> files = OutputCommit.finishedParts(parts);
        for (FileStatus file : files) {
            rows += count(file.getPath(), format);
        }
        return rows;
    }
}
