package io.flinfer.jobs.batch;

import java.io.IOException;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.schema.MessageType;

/** The rows of a Parquet file, one at a time (one row group in memory), as their values. */
final class ParquetRowReader implements RowReader {
    private final ParquetReader<Group> rows;

    private ParquetRowReader(ParquetReader<Group> rows) {
        this.rows = rows;
    }

    static ParquetRowReader open(FileSystem fs, Path path) throws IOException {
        return new ParquetRowReader(new GroupReaderBuilder(FlinkParquetFiles.input(fs, path)).build());
    }

    /** The schema in a file's footer, without reading its rows. */
    static MessageType schema(Path path) throws IOException {
        InputFile file = FlinkParquetFiles.input(path.getFileSystem(), path);
        try (ParquetFileReader reader = ParquetFileReader.open(file)) {
            return reader.getFileMetaData().getSchema();
        }
    }

    /** The row count in a file's footer. */
    static long rowCount(Path path) throws IOException {
        InputFile file = FlinkParquetFiles.input(path.getFileSystem(), path);
        try (ParquetFileReader reader = ParquetFileReader.open(file)) {
            return reader.getRecordCount();
        }
    }

    @Override
    public SourceRow next(String file, long index) throws IOException {
        Group row = rows.read();
        return row == null ? null : SourceRow.values(file, index, ParquetJson.toJson(row));
    }

    @Override
    public void close() throws IOException {
        rows.close();
    }

    /** Parquet's reader builder for files outside Hadoop, with its example {@link Group} records. */
    private static final class GroupReaderBuilder extends ParquetReader.Builder<Group> {
        GroupReaderBuilder(InputFile file) {
            super(file, new PlainParquetConfiguration());
        }

        @Override
        protected ReadSupport<Group> getReadSupport() {
            return new GroupReadSupport();
        }
    }
}
