package io.flinfer.jobs.batch;

import io.flinfer.jobs.GenerationOptions;
import java.io.Serializable;
import java.util.List;

/**
 * Everything the batch job needs to know.
 *
 * @param inputFiles the input's files (URIs of any Flink file system), already expanded from folders and globs
 * @param inputFormat the input files' format
 * @param columns how dataset rows become requests; null for OpenAI Batch API request files
 * @param parts the folder the sink writes part files into while the job runs
 * @param outputFormat the output's format
 * @param outputSchema the output rows' Parquet schema in Parquet's text form; null for JSONL output
 * @param runId names this run's counters in this JVM ({@link BatchCounters})
 */
public record BatchOptions(
        List<String> inputFiles,
        DatasetFormat inputFormat,
        DatasetColumns columns,
        String parts,
        DatasetFormat outputFormat,
        String outputSchema,
        GenerationOptions generation,
        String runId) implements Serializable {

    public BatchOptions {
        inputFiles = List.copyOf(inputFiles);
        if (columns == null && inputFormat != DatasetFormat.JSONL) {
            throw new IllegalArgumentException("a Parquet input is a dataset: name its --prompt-column or --messages-column");
        }
        if (columns == null && outputFormat != DatasetFormat.JSONL) {
            throw new IllegalArgumentException("OpenAI Batch API results are JSONL; --output-format parquet is for datasets");
        }
    }

    public boolean isDataset() {
        return columns != null;
    }

    /** Request files name their own custom_ids and a dataset may have an id column; row numbers never repeat. */
    public boolean idsMayRepeat() {
        return columns == null || columns.idColumn() != null;
    }
}
