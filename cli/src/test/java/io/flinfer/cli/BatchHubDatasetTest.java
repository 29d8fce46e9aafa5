package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinfer.engine.hub.LocalHubServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer batch --input hf://datasets/ORG/NAME} end to end: the split's Parquet files come from
 * a real HTTP server in the Hub's dataset layout ({@link LocalHubServer}) into the Hugging Face cache,
 * and every row of the split, and only of that split, comes back with its generated columns.
 *
 * <p>The command runs in its own JVM: the Hub's address and the cache come from the environment
 * (HF_ENDPOINT, HF_HOME), which a process cannot change for itself.
 */
class BatchHubDatasetTest {
    private static final String REPO = "flinfer-test/tiny-prompts";
    private static final String COMMIT = "4444444444444444444444444444444444444444";
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message row {
              required int64 id;
              required binary prompt (STRING);
            }""");

    @TempDir Path dir;

    @Test
    void aHubDatasetsSplitIsDownloadedAndEveryRowOfItGenerated() throws Exception {
        Path hfHome = dir.resolve("hf-home");
        Path output = dir.resolve("answers.jsonl");
        BatchProcess run;
        try (LocalHubServer hub = LocalHubServer.forDataset(REPO)) {
            hub.addCommit("main", COMMIT, Map.of(
                    "README.md", "# tiny prompts".getBytes(),
                    "data/train-00000-of-00002.parquet", parquet(0, 3),
                    "data/train-00001-of-00002.parquet", parquet(3, 5),
                    "data/test-00000-of-00001.parquet", parquet(100, 2)));
            run = BatchProcess.start(dir.resolve("run.log"), List.of("-Xmx1g"),
                    Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", hfHome.toString()),
                    List.of("--model", TinyModel.get().toString(), "--kv-cache-memory", "16MiB",
                            "--input", "hf://datasets/" + REPO, "--split", "train", "--prompt-column", "prompt",
                            "--id-column", "id", "--max-tokens", "3", "--ignore-eos", "--output", output.toString()));
            assertThat(run.await(300)).as(run.output()).isZero();
            assertThat(hub.requests()).extracting(LocalHubServer.Request::path)
                    .contains("/api/datasets/" + REPO + "/revision/main")
                    .noneMatch(path -> path.contains("test-00000") || path.contains("README"));
        }

        assertThat(hfHome.resolve("hub/datasets--flinfer-test--tiny-prompts/snapshots").resolve(COMMIT)
                .resolve("data/train-00001-of-00002.parquet")).as("the split is in the Hugging Face cache").exists();
        List<JsonNode> rows = BatchRequestFileTest.lines(output);
        assertThat(rows).extracting(r -> r.path("id").asLong()).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.path("prompt").asText()).isEqualTo("Once upon a time " + r.path("id").asLong());
            assertThat(r.path("error").isNull()).as(r.toString()).isTrue();
            assertThat(r.path("completion_tokens").asInt()).isEqualTo(3);
            assertThat(r.path("generated_text").asText()).isNotEmpty();
        });
        assertThat(run.output()).contains("This run: 8 rows (0 errors)");
    }

    /** A Parquet file of {@code count} rows from id {@code first}, written by Parquet's own writer. */
    private byte[] parquet(int first, int count) throws Exception {
        Path file = Files.createTempFile(dir, "rows", ".parquet");
        Files.delete(file);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(SCHEMA)
                .withConf(new PlainParquetConfiguration()).build()) {
            SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
            for (int id = first; id < first + count; id++) {
                writer.write(rows.newGroup().append("id", (long) id).append("prompt", "Once upon a time " + id));
            }
        }
        return Files.readAllBytes(file);
    }
}
