package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.jobs.Durations;
import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.GenerationCommandOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.schema.MessageType;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The batch job's options, shared by {@code flinfer batch} and the cluster entry point
 * {@link BatchJobMain}. Parallelism is not here: on a cluster it belongs to the cluster.
 */
public final class BatchCommandOptions {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--input", required = true, paramLabel = "PATH|GLOB|hf://datasets/ORG/NAME",
            description = {"An OpenAI Batch API request file (JSONL), or a dataset: a JSONL or Parquet file, a folder of them,"
                    + " a glob (data/train-*.parquet), or a Hugging Face Hub dataset. Any Flink file system (file://, s3://)."
                    + " Read as a stream; only a request file's custom_ids (or --id-column's ids) are remembered,"
                    + " to refuse repeats: about 100 bytes of heap each."})
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = {"The output: one file, written once the whole input is done (part files wait in --work-dir"
                    + " until then). Request files give OpenAI Batch API output lines; datasets give their rows with"
                    + " generated_text, finish_reason, prompt_tokens, completion_tokens, cached_tokens and error columns"
                    + " (and structured_output with --json-schema, --regex or --choice)."})
    String output;

    @Option(names = "--output-format", paramLabel = "jsonl|parquet",
            description = "Format of a dataset's output. Default: the --output file's extension, else the input's format.")
    String outputFormat;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Part files and checkpoints of the run, to resume it after an interruption. Default: .<output>.flinfer-batch beside the output.")
    String workDir;

    @Option(names = "--prompt-column", paramLabel = "NAME", description = "Dataset column of prompts (completions).")
    String promptColumn;

    @Option(names = "--messages-column", paramLabel = "NAME", description = "Dataset column of chat messages (lists of {role, content}).")
    String messagesColumn;

    @Option(names = "--id-column", paramLabel = "NAME", description = "Dataset column of row ids (unique; like a request file's custom_ids, each is remembered"
                    + " to refuse repeats: about 100 bytes of heap per row). Default: the row number.")
    String idColumn;

    @Option(names = "--override-columns", split = ",", paramLabel = "NAME",
            description = "Dataset columns named like sampling options (max_tokens, temperature, ...) whose values override them for their row.")
    List<String> overrideColumns = List.of();

    @Option(names = "--split", defaultValue = "train", paramLabel = "NAME", description = "Split of a Hub dataset. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--dataset-revision", paramLabel = "REV",
            description = "Hub revision of a Hub dataset (branch, tag, commit; refs/convert/parquet for the Hub's Parquet conversion). Default: main.")
    String datasetRevision;

    @Option(names = "--checkpoint-interval", defaultValue = "10s", converter = Durations.Converter.class, paramLabel = "DURATION",
            description = "How often to checkpoint; output is committed to part files at checkpoints. Default: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    @Mixin SamplingOptions sampling;
    @Mixin StructuredOutputOptions structured;
    @Mixin GenerationCommandOptions generation;

    /**
     * Finds the input's files (downloading a Hub dataset into the Hugging Face cache) and works out
     * the run. Reads no rows, except the first of a JSONL dataset written as Parquet (for its columns).
     *
     * @param engineOptions every --model (requests may name them)
     * @param engine the first model's engine, resolved
     * @param runId names the run's counters in this JVM
     */
    public BatchPlan plan(EngineOptions engineOptions, EngineConfig engine, String runId) throws IOException {
        BatchInput in = HubDatasetInput.isHubDataset(input)
                ? HubDatasetInput.resolve(input, datasetRevision, split)
                : BatchInput.resolve(input);
        Path out = new Path(output).makeQualified(new Path(output).getFileSystem());
        Path work = workDir != null ? new Path(workDir).makeQualified(new Path(workDir).getFileSystem()) : BatchPlan.defaultWorkDir(out);
        DatasetFormat format = outputFormat(in, out);
        boolean dataset = promptColumn != null || messagesColumn != null;
        if (!dataset && structured.given()) {
            throw new IllegalArgumentException("--json-schema, --regex and --choice constrain a dataset's rows; the lines of"
                    + " a request file carry their own response_format or structured_outputs");
        }
        StructuredColumn column = structured.column(format == DatasetFormat.PARQUET);
        DatasetColumns columns = !dataset ? null
                : new DatasetColumns(promptColumn, messagesColumn, idColumn, sampling.toBodyJson(), overrideColumns, column);
        MessageType schema = columns == null || format != DatasetFormat.PARQUET ? null : schema(in, column);
        BatchOptions options = new BatchOptions(in.files(), in.format(), columns, new Path(work, "parts").toString(),
                format, schema == null ? null : schema.toString(), generation.toOptions(engineOptions, engine), runId);
        return new BatchPlan(options, out, work);
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    private DatasetFormat outputFormat(BatchInput in, Path out) {
        if (outputFormat != null) {
            return DatasetFormat.parse(outputFormat);
        }
        return DatasetFormat.ofFileName(out.getName()).orElse(in.format());
    }

    private static MessageType schema(BatchInput in, StructuredColumn column) throws IOException {
        Path first = new Path(in.files().get(0));
        if (in.format() == DatasetFormat.PARQUET) {
            return OutputSchema.of(ParquetRowReader.schema(first), column);
        }
        try (JsonLineReader lines = new JsonLineReader(first.getFileSystem().open(first))) {
            for (String line; (line = lines.nextLine()) != null; ) {
                if (!line.isBlank()) {
                    JsonNode row = JSON.readTree(line);
                    if (row.isObject()) {
                        return OutputSchema.inferred(row, column);
                    }
                }
            }
        }
        throw new IllegalArgumentException(first + " has no JSON object row to take Parquet columns from");
    }
}
