package io.flinfer.jobs.batch;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.schema.MessageType;

/**
 * Turns the part files of a finished run into the one output file: concatenated (JSONL) or merged
 * row group by row group without decoding (Parquet), into a hidden file beside the output that is
 * renamed onto it last. Until that rename nothing exists at the output path, so a run that did not
 * finish never leaves something that looks finished.
 */
public final class OutputCommit {
    /** Listings tried while the sink renames files under them; one commit renames a few files at most. */
    private static final int LISTING_ATTEMPTS = 5;

    private OutputCommit() {}

    /**
     * @param schema the rows' Parquet schema; ignored for JSONL
     * @return the number of part files merged
     */
    public static int commit(Path parts, Path output, DatasetFormat format, MessageType schema) throws IOException {
        FileSystem fs = output.getFileSystem();
        if (fs.exists(output)) {
            throw new IOException(output + " already exists; a finished output is never overwritten");
        }
        List<FileStatus> files = finishedParts(parts);
        Path staging = new Path(output.getParent(), "." + output.getName() + ".committing");
        if (format == DatasetFormat.PARQUET) {
            mergeParquet(files, fs, staging, schema);
        } else {
            concatenate(files, fs, staging);
        }
        if (!fs.rename(staging, output)) {
            throw new IOException("could not rename " + staging + " to " + output);
        }
        return files.size();
    }

    /**
     * The sink's committed part files in name order; in-progress files are hidden (a leading dot).
     * Safe while the job runs: a file the sink renames between the listing and its status makes the
     * listing fail (Flink's local file system stats each name it listed), so it is listed again.
     */
    static List<FileStatus> finishedParts(Path parts) throws IOException {
        FileSystem fs = parts.getFileSystem();
        for (int attempt = 1; ; attempt++) {
            try {
                if (!fs.exists(parts)) {
                    return List.of();
                }
                return Arrays.stream(fs.listStatus(parts))
                        .filter(f -> !f.isDir() && f.getPath().getName().startsWith("part-"))
                        .sorted(Comparator.comparing(f -> f.getPath().getName()))
                        .toList();
            } catch (FileNotFoundException renamedWhileListed) {
                if (attempt == LISTING_ATTEMPTS) {
                    throw renamedWhileListed;
                }
            }
        }
    }


    private static void concatenate(List<FileStatus> files, FileSystem fs, Path staging) throws IOException {
        try (OutputStream out = fs.create(staging, FileSystem.WriteMode.OVERWRITE)) {
            for (FileStatus file : files) {
                try (InputStream in = fs.open(file.getPath())) {
                    in.transferTo(out);
                }
            }
        }
    }

    private static void mergeParquet(List<FileStatus> files, FileSystem fs, Path staging, MessageType schema)
            throws IOException {
        try (var out = fs.create(staging, FileSystem.WriteMode.OVERWRITE)) {
            ParquetFileWriter writer = new ParquetFileWriter(FlinkParquetFiles.output(out), schema,
                    ParquetFileWriter.Mode.CREATE, ParquetWriter.DEFAULT_BLOCK_SIZE, ParquetWriter.MAX_PADDING_SIZE_DEFAULT);
            writer.start();
            for (FileStatus file : files) {
                writer.appendFile(FlinkParquetFiles.input(fs, file.getPath()));
            }
            writer.end(Map.of());
        }
    }
}
