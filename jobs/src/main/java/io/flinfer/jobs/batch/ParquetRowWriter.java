package io.flinfer.jobs.batch;

import java.io.IOException;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Writes output rows into one Parquet part file of Flink's file sink (snappy, as Hugging Face datasets are). */
final class ParquetRowWriter implements BulkWriter<OutputRow> {
    private final ParquetWriter<Group> writer;
    private final MessageType schema;

    private ParquetRowWriter(ParquetWriter<Group> writer, MessageType schema) {
        this.writer = writer;
        this.schema = schema;
    }

    @Override
    public void addElement(OutputRow row) throws IOException {
        writer.write(ParquetJson.toGroup(row.values(), schema));
    }

    @Override
    public void flush() {
        // Parquet writes whole row groups; the sink rolls a part file at every checkpoint.
    }

    @Override
    public void finish() throws IOException {
        writer.close();
    }

    /** Makes a writer per part file; the schema travels as Parquet's text form. */
    static final class Factory implements BulkWriter.Factory<OutputRow> {
        private static final long serialVersionUID = 1L;

        private final String schema;

        Factory(MessageType schema) {
            this.schema = schema.toString();
        }

        @Override
        public BulkWriter<OutputRow> create(FSDataOutputStream out) throws IOException {
            MessageType type = MessageTypeParser.parseMessageType(schema);
            ParquetWriter<Group> writer = ExampleParquetWriter.builder(FlinkParquetFiles.output(out))
                    .withType(type)
                    .withConf(new PlainParquetConfiguration())
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .build();
            return new ParquetRowWriter(writer, type);
        }
    }
}
