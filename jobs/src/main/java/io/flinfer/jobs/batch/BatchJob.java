package io.flinfer.jobs.batch;

import io.flinfer.jobs.InferenceGraph;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultLine;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The batch job: input files in, part files of results out, over the streaming job's inference steps.
 *
 * <pre>
 * FileSource(rows) -> item per row (parsed) -> keyBy(custom_id): first of each id* -> requests -> {@link InferenceGraph} -> results
 *                                               \-> duplicates, refused and answered items: error rows      |
 * OpenAI request files: results and the error rows as output lines ----------------------------------------+-> FileSink(part files)
 * datasets:             keyBy(custom_id) join of each row with its result -----------------------------------/
 * </pre>
 * (*) only where ids can repeat: request files, and datasets with an {@code --id-column}; row numbers cannot.
 *
 * Rows travel as values ({@link SourceRow}, {@link BatchItem}, {@link io.flinfer.operators.records.ResultLine},
 * {@link OutputRow}, each with its own serializer): a record is parsed once where it is read and
 * written once, in the output's format, at the sink.
 *
 * The file sink commits part files at checkpoints, so after a failure or a resume nothing is written
 * twice; {@link OutputCommit} turns them into the output once the job has finished.
 */
public final class BatchJob {
    public static final String NAME = "flinfer-batch";

    private BatchJob() {}

    public static void build(StreamExecutionEnvironment env, BatchOptions o) {
        Path[] files = o.inputFiles().stream().map(Path::new).toArray(Path[]::new);
        FileSource<SourceRow> source = FileSource.forBulkFileFormat(new RowFileFormat(o.inputFormat()), files).build();
        RequestParser parser = InferenceGraph.parser(o.generation());
        DataStream<BatchItem> items = env.fromSource(source, WatermarkStrategy.noWatermarks(), "input").uid("input")
                .map(new ItemMapper(o.columns(), files.length > 1, parser)).name("to-requests").uid("to-requests");
        DataStream<BatchItem> unique = items;
        DataStream<BatchItem> duplicates = null;
        if (o.idsMayRepeat()) {
            SingleOutputStreamOperator<BatchItem> firsts = items.keyBy(BatchItem::key)
                    .process(new FirstOfEachKey()).name("first-of-each-id").uid("first-of-each-id");
            unique = firsts;
            duplicates = firsts.getSideOutput(FirstOfEachKey.DUPLICATES);
        }
        DataStream<BatchItem> requests = unique.filter(BatchItem::isRequest).name("requests").uid("requests");
        DataStream<ResultLine> results = InferenceGraph.addAfterParse(requests.map(BatchItem::request)
                .name("parsed-requests").uid("parsed-requests"), o.generation());
        DataStream<BatchItem> unanswered = unique.filter(item -> !item.isRequest()).name("rejected-rows").uid("rejected-rows");

        DataStream<OutputRow> output;
        if (o.isDataset()) {
            StructuredColumn structured = o.columns().structured();
            DataStream<OutputRow> joined = requests.keyBy(BatchItem::key)
                    .connect(results.keyBy(ResultLine::customId))
                    .process(new RowResultJoin(structured)).name("rows-with-results").uid("rows-with-results");
            DataStream<OutputRow> rejected = unanswered
                    .map(item -> GeneratedColumns.withError(item.row(), item.errorMessage(), structured)).name("row-errors").uid("row-errors");
            output = joined.union(rejected);
            if (duplicates != null) {
                output = output.union(duplicates
                        .map(item -> GeneratedColumns.withError(item.row(), BatchErrors.duplicateMessage(item), structured))
                        .name("duplicate-rows").uid("duplicate-rows"));
            }
        } else {
            output = results.map(OutputRow::result).name("result-lines").uid("result-lines")
                    .union(unanswered.map(BatchErrors::unanswered).name("bad-lines").uid("bad-lines"),
                            duplicates.map(BatchErrors::duplicate).name("duplicate-lines").uid("duplicate-lines"));
        }
        output.map(new BatchCounters.Counting(o.runId())).name("count").uid("count")
                .sinkTo(sink(o)).name("output").uid("output");
    }

    private static FileSink<OutputRow> sink(BatchOptions o) {
        Path parts = new Path(o.parts());
        OutputFileConfig names = OutputFileConfig.builder()
                .withPartPrefix("part")
                .withPartSuffix(o.outputFormat().extension())
                .build();
        if (o.outputFormat() == DatasetFormat.PARQUET) {
            return FileSink.forBulkFormat(parts, new ParquetRowWriter.Factory(
                            MessageTypeParser.parseMessageType(o.outputSchema())))
                    .withBucketAssigner(new BasePathBucketAssigner<>())
                    .withRollingPolicy(OnCheckpointRollingPolicy.build())
                    .withOutputFileConfig(names)
                    .build();
        }
        Encoder<OutputRow> lines = (row, out) -> {
            out.write(row.jsonBytes());
            out.write('\n');
        };
        return FileSink.forRowFormat(parts, lines)
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(names)
                .build();
    }
}
