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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch run interrupted half-way, by a real SIGKILL or by Ctrl-C (a real SIGINT, which stops it after
 * a checkpoint with exit status 130), then started again
 * with the same arguments, writes every id exactly once, with the texts of an uninterrupted run, and
 * the engine's own counter of sampled tokens shows that rows committed before the interruption were
 * not generated again.
 */
class BatchResumeTest {
    private static final Pattern THIS_RUN = Pattern.compile("This run: (\\d+) rows");
    private static final Pattern SAMPLED = Pattern.compile("the engine sampled (\\d+) tokens");
    private static final Pattern KEPT = Pattern.compile("resumed (\\d+) in-flight requests from checkpoint \\d+, keeping (\\d+) generated tokens");

    @TempDir Path dir;

    private int requests;
    private int tokens;
    private Path output;
    private Path work;
    private List<String> args;
    private org.apache.flink.core.fs.Path parts;

    /** {@code requests} lines of {@code tokens} tokens each (EOS ignored), run two at a time. */
    private void writeRequests(int requests, int tokens) throws Exception {
        this.requests = requests;
        this.tokens = tokens;
        Path input = dir.resolve("requests.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < requests; i++) {
            // Sampled, not greedy: only the seed derived from the custom_id makes a replay give the same text.
            lines.append(BatchRequestFileTest.completion("story-" + i, "Once upon a time " + i, tokens)
                    .replace("\"temperature\":0", "\"temperature\":0.8,\"ignore_eos\":true")).append('\n');
        }
        Files.writeString(input, lines);
        output = dir.resolve("results.jsonl");
        work = dir.resolve("work");
        args = List.of("--model", TinyModel.get().toString(), "--kv-cache-memory", "16MiB",
                "--max-in-flight", "2", "--max-num-seqs", "2", "--checkpoint-interval", "300ms",
                "--input", input.toString(), "--output", output.toString(), "--work-dir", work.toString());
        parts = new org.apache.flink.core.fs.Path(work.resolve("parts").toUri());
    }

    @Test
    void aKilledRunResumesFromItsCheckpointsAndWritesEveryIdOnce() throws Exception {
        writeRequests(64, 64);
        BatchProcess first = BatchProcess.start(dir.resolve("first.log"), "1g", args);
        awaitCommittedRows(first);
        first.kill();
        long committedBeforeKill = OutputRows.inParts(parts, DatasetFormat.JSONL);
        assertThat(committedBeforeKill).as("killed half-way").isLessThan(requests);
        assertThat(output).as("a run that did not finish leaves no output").doesNotExist();

        CliRun changed = CliRun.of(withChange(args));
        assertThat(changed.exitCode()).isEqualTo(1);
        assertThat(changed.err()).contains("other arguments").contains("--request-timeout 10m (this run: 5m)");

        BatchProcess second = BatchProcess.start(dir.resolve("second.log"), "1g", args);
        assertThat(second.await(300)).as(second.output()).isZero();
        assertThat(second.output()).contains("Resuming from checkpoint");
        assertEveryIdOnceAndNothingGeneratedTwice(second.output(), committedBeforeKill);

        Path uninterrupted = dir.resolve("uninterrupted.jsonl");
        CliRun reference = CliRun.of(withOutput(args, uninterrupted, dir.resolve("work-2")));
        assertThat(reference.exitCode()).as(reference.err()).isZero();
        assertThat(texts(output)).isEqualTo(texts(uninterrupted));
    }

    @Test
    void ctrlCStopsWithACheckpointAndTheSameCommandFinishesTheRun() throws Exception {
        writeRequests(320, 8);
        BatchProcess first = BatchProcess.start(dir.resolve("first.log"), "1g", args);
        awaitCommittedRows(first);
        first.interrupt();
        assertThat(first.await(120)).as(first.output()).isEqualTo(130);
        assertThat(first.output()).contains("Stopping with a checkpoint").contains("Stopped after checkpoint")
                .contains("Stopped before the end; run the same command again");
        long committedAtStop = OutputRows.inParts(parts, DatasetFormat.JSONL);
        assertThat(committedAtStop).as("stopped half-way").isLessThan(requests);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("a stopped run leaves nothing that looks finished")
                    .noneMatch(name -> name.startsWith("results"));
        }

        BatchProcess second = BatchProcess.start(dir.resolve("second.log"), "1g", args);
        assertThat(second.await(300)).as(second.output()).isZero();
        assertThat(second.output()).contains("Resuming from checkpoint");
        assertEveryIdOnceAndNothingGeneratedTwice(second.output(), committedAtStop);
        assertThat(work).as("a finished run removes its work folder").doesNotExist();
    }

    @Test
    void ctrlCWhileTheJobStartsStopsOnceItsTasksRunAndTheSameCommandFinishesTheRun() throws Exception {
        writeRequests(16, 16);
        BatchProcess first = BatchProcess.start(dir.resolve("first.log"), "1g", args);
        Await.until("Ctrl-C taken over by the run", Duration.ofSeconds(180), () -> {
            assertThat(first.isAlive()).as("the first run ends only when stopped; its output:\n%s", first.output()).isTrue();
            return first.output().contains("Ctrl-C stops the job with a checkpoint");
        });
        first.interrupt(); // the job was just submitted: its tasks are deploying, the engine loading
        assertThat(first.await(300)).as(first.output()).isEqualTo(130);
        assertThat(first.output()).contains("Stopped after checkpoint").doesNotContain("Could not take a checkpoint");

        BatchProcess second = BatchProcess.start(dir.resolve("second.log"), "1g", args);
        assertThat(second.await(300)).as(second.output()).isZero();
        assertThat(second.output()).contains("Resuming from checkpoint");
        assertThat(BatchRequestFileTest.lines(output)).extracting(r -> r.path("custom_id").asText())
                .doesNotHaveDuplicates().hasSize(requests);
    }

    /** Waits until the run has committed some rows (a part file), while it still runs. */
    private void awaitCommittedRows(BatchProcess run) throws Exception {
        Await.until("a committed part file", Duration.ofSeconds(180), () -> {
            assertThat(run.isAlive()).as("the first run ends only when stopped; its output:\n%s", run.output()).isTrue();
            return OutputRows.inParts(parts, DatasetFormat.JSONL) > 0;
        });
    }

    /**
     * Every id once, and the resumed run's engine sampled exactly the tokens of the rows it wrote, less
     * those its resumed in-flight requests kept: so it generated no row twice, and none of the rows
     * committed before the interruption (they are not among the ones it wrote).
     */
    private void assertEveryIdOnceAndNothingGeneratedTwice(String resumedLog, long committedBefore) throws Exception {
        List<JsonNode> results = BatchRequestFileTest.lines(output);
        assertThat(results).extracting(r -> r.path("custom_id").asText()).doesNotHaveDuplicates().hasSize(requests);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.path("response").path("status_code").asInt()).isEqualTo(200);
            assertThat(r.path("response").path("body").path("usage").path("completion_tokens").asInt()).isEqualTo(tokens);
        });
        long written = number(THIS_RUN, resumedLog, 1);
        assertThat(written).as("rows committed before are not written again").isLessThanOrEqualTo(requests - committedBefore);
        Matcher kept = KEPT.matcher(resumedLog);
        long keptTokens = kept.find() ? Long.parseLong(kept.group(2)) : 0;
        assertThat(number(SAMPLED, resumedLog, 1)).as("tokens the resumed run's engine sampled")
                .isEqualTo(written * tokens - keptTokens);
    }

    private static long number(Pattern pattern, String text, int group) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("%s in:\n%s", pattern, text).isTrue();
        return Long.parseLong(m.group(group));
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
