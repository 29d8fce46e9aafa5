package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.Llm;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer run} as a service: a separate OS process dies (SIGKILL) or is stopped (SIGTERM) in the
 * middle of a backlog and is started again with the same arguments. Every request then has exactly one
 * committed result, with the text of a run without interruption, and the work in flight is resumed
 * from the state directory rather than done again.
 */
class RunProcessRestartTest {
    private static final int REQUESTS = 24;
    /**
     * Request i generates {@code maxTokens(i)} tokens (EOS ignored), two at a time: many checkpoints' worth
     * of work. Lengths differ, so the two requests in flight never finish together: a backpressured
     * generate subtask takes its checkpoint right after it admits a request, and then the other one has
     * tokens to keep.
     */
    private static final int[] MAX_TOKENS = {200, 170, 140, 110};
    private static final int MAX_IN_FLIGHT = 2;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final String OPERATOR = "flink_taskmanager_job_task_operator_";

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    private static List<String> prompts;
    private static Map<String, String> uninterrupted;

    @BeforeAll
    static void referenceTexts() {
        prompts = Prompts.stories(REQUESTS);
        uninterrupted = new HashMap<>();
        try (Llm llm = Llm.load(TestModel.engine())) {
            for (int i = 0; i < REQUESTS; i++) {
                SamplingParams params = SamplingParams.greedy(maxTokens(i)).toBuilder().ignoreEos(true).build();
                uninterrupted.put(customId(i), llm.generate(List.of(prompts.get(i)), params).get(0).text());
            }
        }
    }

    @Test
    void killedWithSigkillItResumesInFlightRequestsAndCommitsEachResultOnce(@TempDir Path dir) throws Exception {
        Service service = new Service(dir);
        try (CommittedReader reader = kafka.reader(service.topics.output())) {
            try (FlinferProcess first = service.start("first")) {
                awaitSomeCommitted(reader, first);
                first.kill();
            }
            assertThat(reader.readToEnd(TIMEOUT)).as("results committed before the kill").hasSizeLessThan(REQUESTS);
            try (FlinferProcess second = service.start("second")) {
                Map<String, String> texts = service.awaitAllCommitted(reader, second);
                assertThat(texts).containsExactlyInAnyOrderEntriesOf(uninterrupted);
                PrometheusScrape metrics = PrometheusScrape.of(service.metricsPort);
                assertThat(metrics.sum(OPERATOR + "resumed_requests", Map.of()))
                        .as("requests restored in flight from the last checkpoint; output:%n%s", second.output()).isPositive();
                assertThat(metrics.sum(OPERATOR + "resumed_tokens", Map.of())).as("tokens they kept").isPositive();
            }
        }
    }

    @Test
    void stoppedWithSigtermItTakesASavepointAndTheRestartRegeneratesNothing(@TempDir Path dir) throws Exception {
        Service service = new Service(dir);
        try (CommittedReader reader = kafka.reader(service.topics.output())) {
            try (FlinferProcess first = service.start("first")) {
                awaitSomeCommitted(reader, first);
                first.terminate(TIMEOUT);
                assertThat(first.output()).contains("Stopped with savepoint");
            }
            int committedByFirst = reader.readToEnd(TIMEOUT).size();
            assertThat(committedByFirst).as("results committed by the first run").isBetween(1, REQUESTS - 1);
            try (FlinferProcess second = service.start("second")) {
                Map<String, String> texts = service.awaitAllCommitted(reader, second);
                assertThat(texts).containsExactlyInAnyOrderEntriesOf(uninterrupted);
                PrometheusScrape metrics = PrometheusScrape.of(service.metricsPort);
                assertThat(metrics.sum(OPERATOR + "finished_reason_request_success", Map.of()))
                        .as("requests the second run finished: none that the first had committed")
                        .isEqualTo(REQUESTS - committedByFirst);
                assertThat(metrics.sum(OPERATOR + "resumed_requests", Map.of()))
                        .as("requests in flight at the savepoint, resumed").isPositive();
                assertThat(metrics.sum(OPERATOR + "resumed_tokens", Map.of()))
                        .as("the tokens they had, kept rather than generated again").isPositive();
            }
        }
    }

    /** Waits until the first results are committed and the process still has work in flight. */
    private static void awaitSomeCommitted(CommittedReader reader, FlinferProcess process) {
        reader.readUntil(v -> v.size() >= REQUESTS / 4 || !process.isAlive(), TIMEOUT,
                () -> "the first results; output:\n" + process.output());
        assertThat(process.isAlive()).as("flinfer run is still running; output:%n%s", process.output()).isTrue();
    }

    private static int maxTokens(int i) {
        return MAX_TOKENS[i % MAX_TOKENS.length];
    }

    private static String customId(int i) {
        return "story-" + i;
    }

    /** One {@code flinfer run} service: its topics with the backlog on them, its state directory, its arguments. */
    private static final class Service {
        final PipelineKafka.Topics topics = kafka.newTopics(1);
        final int metricsPort = Ports.free();
        private final Path dir;
        private final List<String> args;

        Service(Path dir) {
            this.dir = dir;
            kafka.publish(topics.input(), IntStream.range(0, REQUESTS)
                    .mapToObj(i -> BatchLines.line(customId(i), "/v1/completions", BatchLines.body()
                            .put("prompt", prompts.get(i)).put("max_tokens", maxTokens(i)).put("temperature", 0)
                            .put("ignore_eos", true)))
                    .toList());
            args = List.of("run", "--model", BundledModels.stories260K().toString(), "--kv-cache-memory", "16MiB",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--input-topic", topics.input(),
                    "--output-topic", topics.output(), "--dlq-topic", topics.deadLetters(), "--group-id", "group-" + topics.input(),
                    "--checkpoint-interval", "1s", "--max-in-flight", String.valueOf(MAX_IN_FLIGHT),
                    "--state-dir", dir.resolve("state").toString(), "--metrics-port", String.valueOf(metricsPort));
        }

        /** Starts {@code flinfer run} with the same arguments every time. */
        FlinferProcess start(String name) throws IOException {
            return FlinferProcess.start(dir.resolve(name + ".log"), args);
        }

        /**
         * Reads until every request has a result, then until two more checkpoints have completed (a
         * duplicate emitted by then would be committed by them); returns custom_id -> text.
         */
        Map<String, String> awaitAllCommitted(CommittedReader reader, FlinferProcess process) throws Exception {
            reader.readUntil(v -> v.stream().map(OutputLine::parse).map(OutputLine::customId).distinct().count() >= REQUESTS,
                    TIMEOUT, () -> "a result for each of " + REQUESTS + " requests; output:\n" + process.output());
            double checkpoints = completedCheckpoints();
            Await.until("two more checkpoints", TIMEOUT, () -> completedCheckpoints() >= checkpoints + 2);
            Map<String, String> texts = new HashMap<>();
            for (String json : reader.readToEnd(TIMEOUT)) {
                OutputLine line = OutputLine.parse(json);
                assertThat(line.statusCode()).as("%s: %s", line.customId(), line.error()).isEqualTo(200);
                assertThat(texts.put(line.customId(), line.text())).as("a second result for %s", line.customId()).isNull();
            }
            return texts;
        }

        private double completedCheckpoints() throws IOException, InterruptedException {
            return PrometheusScrape.of(metricsPort).sum("flink_jobmanager_job_numberOfCompletedCheckpoints", Map.of());
        }
    }
}
