package io.flinfer.jobs.batch;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The files an {@code --input} names, on any Flink file system: a file, a folder (its JSONL or
 * Parquet files, recursively, hidden ones skipped), or a glob in the last part of the path
 * ({@code data/train-*.parquet}). All must be of one format.
 *
 * @param files URIs, sorted, so that row numbers and the work plan are the same on every run
 */
public record BatchInput(List<String> files, DatasetFormat format) {

    public BatchInput {
        files = List.copyOf(files);
    }

    public static BatchInput resolve(String spec) throws IOException {
        Path path = new Path(spec);
        FileSystem fs = path.getFileSystem();
        Set<String> files = new TreeSet<>();
        if (isGlob(path.getName())) {
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + path.getName());
            Path folder = path.getParent();
            if (!fs.exists(folder)) {
                throw new IllegalArgumentException("--input " + spec + ": folder " + folder + " does not exist");
            }
            for (FileStatus status : fs.listStatus(folder)) {
                if (!status.isDir() && glob.matches(java.nio.file.Path.of(status.getPath().getName()))) {
                    files.add(status.getPath().toString());
                }
            }
        } else if (!fs.exists(path)) {
            throw new IllegalArgumentException("--input " + spec + " does not exist");
        } else if (fs.getFileStatus(path).isDir()) {
            addDataFiles(fs, path, files);
        } else {
            files.add(fs.getFileStatus(path).getPath().toString());
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--input " + spec + " names no .jsonl or .parquet file");
        }
        return new BatchInput(new ArrayList<>(files), format(spec, files));
    }

    /** The rows a progress bar can count on: Parquet footers say; JSONL lines are counted by reading. */
    public long countRows() throws IOException {
        long rows = 0;
        for (String file : files) {
            Path path = new Path(file);
            if (format == DatasetFormat.PARQUET) {
                rows += ParquetRowReader.rowCount(path);
            } else {
                try (JsonLineReader lines = new JsonLineReader(path.getFileSystem().open(path))) {
                    for (String line; (line = lines.nextLine()) != null; ) {
                        rows += line.isBlank() ? 0 : 1;
                    }
                }
            }
        }
        return rows;
    }

    private static void addDataFiles(FileSystem fs, Path folder, Set<String> files) throws IOException {
        for (FileStatus status : fs.listStatus(folder)) {
            String name = status.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (status.isDir()) {
                addDataFiles(fs, status.getPath(), files);
            } else if (DatasetFormat.ofFileName(name).isPresent()) {
                files.add(status.getPath().toString());
            }
        }
    }

    private static DatasetFormat format(String spec, Set<String> files) {
        Set<DatasetFormat> formats = new TreeSet<>();
        for (String file : files) {
            formats.add(DatasetFormat.ofFileName(file).orElseThrow(() -> new IllegalArgumentException(
                    "--input " + spec + ": cannot tell the format of " + file + " (name .jsonl or .parquet files)")));
        }
        if (formats.size() > 1) {
            throw new IllegalArgumentException("--input " + spec + " mixes JSONL and Parquet files; name one kind");
        }
        return formats.iterator().next();
    }

    private static boolean isGlob(String name) {
        return name.contains("*") || name.contains("?") || name.contains("[") || name.contains("{");
    }
}
