package io.flinfer.jobs.batch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.MutableRecordAndPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Reads input files for Flink's {@code FileSource}, a file per split, as {@link SourceRow}s that
 * know their file and index. A checkpoint keeps how many records of the file were read; a restore
 * opens the file again and skips that many, so no row is read twice or lost. Blank JSONL lines count
 * as lines (indexes are line numbers) but are not emitted, as {@code vllm run-batch} skips them.
 */
public final class RowFileFormat implements BulkFormat<SourceRow, FileSourceSplit> {
    private static final long serialVersionUID = 1L;
    private static final int BATCH = 64;

    private final DatasetFormat format;

    public RowFileFormat(DatasetFormat format) {
        this.format = format;
    }

    @Override
    public Reader<SourceRow> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return new FileRows(split.path(), open(split.path()), 0);
    }

    @Override
    public Reader<SourceRow> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        long read = split.getReaderPosition().map(CheckpointedPosition::getRecordsAfterOffset).orElse(0L);
        RowReader reader = open(split.path());
        for (long i = 0; i < read; i++) {
            if (reader.next(split.path().toString(), i) == null) {
                throw new IOException(split.path() + " has fewer than the " + read
                        + " records a checkpoint read from it: the input changed since the run began");
            }
        }
        return new FileRows(split.path(), reader, read);
    }

    private RowReader open(Path path) throws IOException {
        FileSystem fs = path.getFileSystem();
        return format == DatasetFormat.PARQUET
                ? ParquetRowReader.open(fs, path)
                : new JsonLineReader(fs.open(path));
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<SourceRow> getProducedType() {
        return TypeInformation.of(SourceRow.class);
    }

    /** Batches of rows with their positions: the count of records read so far, blank lines included. */
    private static final class FileRows implements Reader<SourceRow> {
        private final String file;
        private final RowReader reader;
        private long read;

        FileRows(Path path, RowReader reader, long read) {
            this.file = path.toString();
            this.reader = reader;
            this.read = read;
        }

        @Override
        public RecordIterator<SourceRow> readBatch() throws IOException {
            List<SourceRow> batch = new ArrayList<>(BATCH);
            SourceRow row;
            while (batch.size() < BATCH && (row = reader.next(file, read)) != null) {
                if (!row.isBlank()) {
                    batch.add(row);
                }
                read++;
            }
            if (batch.isEmpty()) {
                return null;
            }
            return new Positioned(batch.iterator());
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** Each row's position is "skip the records up to and including me", counted in file records. */
    private static final class Positioned implements RecordIterator<SourceRow> {
        private final Iterator<SourceRow> rows;
        private final MutableRecordAndPosition<SourceRow> current = new MutableRecordAndPosition<>();

        Positioned(Iterator<SourceRow> rows) {
            this.rows = rows;
        }

        @Override
        public RecordAndPosition<SourceRow> next() {
            if (!rows.hasNext()) {
                return null;
            }
            SourceRow row = rows.next();
            current.set(row, CheckpointedPosition.NO_OFFSET, row.index() + 1);
            return current;
        }

        @Override
        public void releaseBatch() {}
    }
}
