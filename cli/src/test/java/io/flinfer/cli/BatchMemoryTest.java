package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.batch.DatasetFormat;
import io.flinfer.jobs.batch.OutputRows;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 200,000-row dataset larger than the heap goes through a run whose JVM has a small heap, every row
 * generated: the input is read as a stream and only rows on their way through the engine are held.
 *
 * <p>A generated tiny model and one token per row keep it to about a minute here: the engine answers a
 * thousand rows at a time (large {@code --max-in-flight} and {@code --max-num-seqs}) on one intra-op
 * thread, since steps of this model are too small to split across threads and two threads would spin
 * against the job's own on this two-core machine.
 */
class BatchMemoryTest {
    private static final int ROWS = 200_000;
    private static final long HEAP_MIB = 160;

    @TempDir Path dir;

    @Test
    void aDatasetLargerThanTheHeapCompletes() throws Exception {
        Path input = dir.resolve("rows.jsonl");
        String payload = "x".repeat(1000);
        try (BufferedWriter out = Files.newBufferedWriter(input)) {
            for (int i = 0; i < ROWS; i++) {
                out.write("{\"prompt\":\"Hi " + i % 10 + "\",\"n\":" + i + ",\"payload\":\"" + payload + "\"}\n");
            }
        }
        assertThat(Files.size(input)).as("the input alone would not fit the heap").isGreaterThan(HEAP_MIB << 20);
        Path output = dir.resolve("out.jsonl");

        BatchProcess run = BatchProcess.start(dir.resolve("run.log"),
                List.of("-Xmx" + HEAP_MIB + "m", "-Dai.djl.pytorch.num_threads=1"), Map.of(), List.of(
                "--model", TinyModel.get().toString(), "--kv-cache-memory", "16MiB", "--max-model-len", "32",
                "--max-in-flight", "1024", "--max-num-seqs", "512", "--checkpoint-interval", "5s",
                "--input", input.toString(), "--output", output.toString(),
                "--prompt-column", "prompt", "--max-tokens", "1"));

        assertThat(run.await(900)).as(run.output()).isZero();
        assertThat(OutputRows.count(new org.apache.flink.core.fs.Path(output.toUri()), DatasetFormat.JSONL)).isEqualTo(ROWS);
        assertThat(run.output()).contains("This run: " + ROWS + " rows (0 errors)")
                .contains("the engine sampled " + ROWS + " tokens");
    }
}
