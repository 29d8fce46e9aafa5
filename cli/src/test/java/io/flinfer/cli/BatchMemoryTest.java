package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.batch.DatasetFormat;
import io.flinfer.jobs.batch.OutputRows;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 200,000-row dataset larger than the heap goes through a run whose JVM has a small heap: the
 * input is read as a stream and only rows on their way through the engine are held.
 *
 * <p>One row in a hundred is generated; the others have prompts longer than {@code --max-model-len},
 * which the engine refuses as it admits them. They still travel the whole graph (source, request
 * lines, parse, prepare, route, generate's in-flight slots, the row-result join, the file sink), which
 * is what holds memory; 200,000 generations would take about eight minutes on this machine (the
 * engine spends a few milliseconds of bookkeeping per request), 2,000 take seconds.
 */
class BatchMemoryTest {
    private static final int ROWS = 200_000;
    private static final long HEAP_MIB = 160;

    @TempDir Path dir;

    @Test
    void aDatasetLargerThanTheHeapCompletes() throws Exception {
        Path input = dir.resolve("rows.jsonl");
        String payload = "x".repeat(1000);
        String tooLong = "a ".repeat(100);
        try (BufferedWriter out = Files.newBufferedWriter(input)) {
            for (int i = 0; i < ROWS; i++) {
                String prompt = i % 100 == 0 ? "Hi" : tooLong;
                out.write("{\"prompt\":\"" + prompt + "\",\"n\":" + i + ",\"payload\":\"" + payload + "\"}\n");
            }
        }
        assertThat(Files.size(input)).as("the input alone would not fit the heap").isGreaterThan(HEAP_MIB << 20);
        Path output = dir.resolve("out.jsonl");

        BatchProcess run = BatchProcess.start(dir.resolve("run.log"), HEAP_MIB + "m", List.of(
                "--model", TinyModel.get().toString(), "--kv-cache-memory", "16MiB", "--max-model-len", "32", "--checkpoint-interval", "5s",
                "--input", input.toString(), "--output", output.toString(),
                "--prompt-column", "prompt", "--max-tokens", "1"));

        assertThat(run.await(900)).as(run.output()).isZero();
        assertThat(OutputRows.count(new org.apache.flink.core.fs.Path(output.toUri()), DatasetFormat.JSONL)).isEqualTo(ROWS);
        assertThat(run.output()).contains("This run: " + ROWS + " rows (" + (ROWS - ROWS / 100) + " errors)");
    }
}
