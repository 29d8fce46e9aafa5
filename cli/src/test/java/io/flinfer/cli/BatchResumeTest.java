package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinfer.jobs.batch.DatasetFormat;
import io.flinfer.jobs.batch.OutputRows;
import io.flinfer.local.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch run killed with a real SIGKILL half-way, then started again with the same arguments,
 * writes every id exactly once, with the texts of an uninterrupted run, and does not generate again
 * what it had committed before the kill.
 */
class BatchResumeTest {
    private static final int REQUESTS = 64;
    private static final Pattern THIS_RUN = Pattern.compile("This run: (\\d+) rows");

    @TempDir Path dir;

    @Test
    void aKilledRunResumesFromItsCheckpointsAndWritesEveryIdOnce() throws Exception {
        Path input = dir.resolve("requests.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < REQUESTS; i++) {
            // Sampled, not greedy: only the seed derived from the custom_id makes a replay give the same text.
            lines.append(BatchRequestFileTest.completion("story-" + i, "Once upon a time " + i, 64)
                    .replace("\"temperature\":0", "\"temperature\":0.8,\"ignore_eos\":true")).append('\n');
        }
        Files.writeString(input, lines);
        Path output = dir.resolve("results.jsonl");
        Path work = dir.resolve("work");
        List<String> args = List.of("--model", TinyModel.get().toString(), "--kv-cache-memory", "16MiB",
                "--max-in-flight", "2", "--max-num-seqs", "2", "--checkpoint-interval", "300ms",
                "--input", input.toString(), "--output", output.toString(), "--work-dir", work.toString());
        org.apache.flink.core.fs.Path parts = new org.apache.flink.core.fs.Path(work.resolve("parts").toUri());

        BatchProcess first = BatchProcess.start(dir.resolve("first.log"), "1g", args);
        Await.until("a committed part file", Duration.ofSeconds(180), () -> {
            assertThat(first.isAlive()).as("the first run ends only when killed; its output:\n%s", first.output()).isTrue();
            return OutputRows.inParts(parts, DatasetFormat.JSONL) > 0;
        });
        first.kill();
        long committedBeforeKill = OutputRows.inParts(parts, DatasetFormat.JSONL);
        assertThat(committedBeforeKill).as("killed half-way").isLessThan(REQUESTS);
        assertThat(output).as("a run that did not finish leaves no output").doesNotExist();

        CliRun changed = CliRun.of(withChange(args));
        assertThat(changed.exitCode()).isEqualTo(1);
        assertThat(changed.err()).contains("other arguments").contains("--request-timeout 10m (this run: 5m)");

        BatchProcess second = BatchProcess.start(dir.resolve("second.log"), "1g", args);
        assertThat(second.await(300)).as(second.output()).isZero();

        List<JsonNode> results = BatchRequestFileTest.lines(output);
        assertThat(results).extracting(r -> r.path("custom_id").asText()).doesNotHaveDuplicates().hasSize(REQUESTS);
        assertThat(results).allSatisfy(r -> assertThat(r.path("response").path("status_code").asInt()).isEqualTo(200));
        assertThat(second.output()).contains("Resuming from");
        Matcher generated = THIS_RUN.matcher(second.output());
        assertThat(generated.find()).as(second.output()).isTrue();
        assertThat(Long.parseLong(generated.group(1)))
                .as("rows committed before the kill are not generated again")
                .isLessThanOrEqualTo(REQUESTS - committedBeforeKill);

        Path uninterrupted = dir.resolve("uninterrupted.jsonl");
        CliRun reference = CliRun.of(withOutput(args, uninterrupted, dir.resolve("work-2")));
        assertThat(reference.exitCode()).as(reference.err()).isZero();
        assertThat(texts(output)).isEqualTo(texts(uninterrupted));
    }

    private static Map<String, String> texts(Path file) throws Exception {
        return BatchRequestFileTest.lines(file).stream().collect(Collectors.toMap(
                r -> r.path("custom_id").asText(), r -> r.path("response").path("body").path("choices").path(0).path("text").asText()));
    }

    private static String[] withChange(List<String> args) {
        List<String> all = new ArrayList<>(List.of("batch"));
        all.addAll(args);
        all.addAll(List.of("--request-timeout", "5m"));
        return all.toArray(String[]::new);
    }

    private static String[] withOutput(List<String> args, Path output, Path work) {
        List<String> all = new ArrayList<>(List.of("batch"));
        for (int i = 0; i < args.size(); i += 2) {
            String value = args.get(i).equals("--output") ? output.toString()
                    : args.get(i).equals("--work-dir") ? work.toString() : args.get(i + 1);
            all.add(args.get(i));
            all.add(value);
        }
        return all.toArray(String[]::new);
    }
}
