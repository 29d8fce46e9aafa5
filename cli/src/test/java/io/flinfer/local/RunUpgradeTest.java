package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model upgrades as a service does them: {@code flinfer run} is stopped with a savepoint (SIGTERM) while
 * requests are in flight, then started from that state with other models. Whatever the change, every
 * request gets exactly one committed result (Kafka, exactly-once); what the result is depends on the
 * change: new weights with the same tokenizer continue the request, another tokenizer restarts it from
 * its prompt, a removed model answers it with an error, and none drops or hangs it. (The same model
 * resuming: {@link RunProcessRestartTest}.)
 */
class RunUpgradeTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final String OPERATOR = PipelineMetricsTest.OPERATOR;
    private static final int STAGGER = 17;
    /**
     * Requests per model, two in flight at a time: enough work that the first run, stopped once the first
     * checkpoint committed two results, still has some (8 requests of 120 tokens, a few hundred steps of
     * stories260K, all finished before the savepoint on a faster host).
     */
    private static final int IN_QUEUE = 16;

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    @TempDir Path dir;

    /**
     * Same vocabulary, other weights (two random checkpoints of one preset): the requests go on with the
     * tokens they had. Their lengths differ by {@value #STAGGER} tokens, so no two of them finish in the
     * same step: requests of one length would run in lockstep, both slots would be refilled at once, and
     * a savepoint in the few milliseconds before the new pair's first tokens would hold no tokens to keep.
     */
    @Test
    void newWeightsWithTheSameTokenizerContinueTheRequestsInFlight() throws Exception {
        Path v1 = synthetic("v1", 7);
        Path v2 = synthetic("v2", 8);
        Upgrade upgrade = new Upgrade(requests(IN_QUEUE, null, 100, STAGGER));

        Map<String, OutputLine> results = upgrade.run(List.of("--model", v1 + "=m"), List.of("--model", v2 + "=m"),
                first -> first.size() >= 2);

        assertThat(results.values()).allSatisfy(l -> {
            assertThat(l.statusCode()).as("%s: %s", l.customId(), l.error()).isEqualTo(200);
            assertThat(l.completionTokens()).as("old tokens and new ones: all of max_tokens")
                    .isEqualTo(100 + STAGGER * Integer.parseInt(l.customId().substring("r-".length())));
        });
        PrometheusScrape metrics = upgrade.metrics;
        assertThat(metrics.sum(OPERATOR + "resumed_requests", Map.of())).as("resumed on the new weights").isPositive();
        assertThat(metrics.sum(OPERATOR + "resumed_tokens", Map.of())).as("keeping the old model's tokens").isPositive();
    }

    /**
     * Another vocabulary: the ids in flight would mean other text there, so those requests restart from
     * their prompts, prepared again with the new tokenizer, instead of continuing.
     */
    @Test
    void anotherTokenizerRestartsTheRequestsInFlightFromTheirPrompts() throws Exception {
        Path other = synthetic("other", 7);
        Upgrade upgrade = new Upgrade(requests(IN_QUEUE, null, 400));

        Map<String, OutputLine> results = upgrade.run(List.of("--model", BundledModels.stories260K() + "=m"),
                List.of("--model", other + "=m"), first -> first.size() >= 2);

        assertThat(results.values()).allSatisfy(l -> {
            assertThat(l.statusCode()).as("%s: %s", l.customId(), l.error()).isEqualTo(200);
            assertThat(l.completionTokens()).as("all of max_tokens, none carried over").isEqualTo(400);
        });
        assertThat(upgrade.metrics.sum(OPERATOR + "resumed_requests", Map.of())).as("none continued its old ids").isZero();
        assertThat(upgrade.output()).containsPattern("restarted [1-9]\\d* restored requests from their prompts: their token"
                + " ids belong to another tokenizer");
    }

    /**
     * A model dropped from the job with {@code --removed-model}: its requests in flight at the savepoint
     * get a 404 saying so (the restore does not fail on its state), its later ones the parser's 404, the
     * model that stays finishes its own.
     */
    @Test
    void aRemovedModelsRequestsInFlightAreAnsweredWithAnError() throws Exception {
        String model = BundledModels.stories260K().toString();
        List<String> lines = new ArrayList<>(requests(3, null, 8));
        lines.addAll(requests(IN_QUEUE, "second", 400));
        Upgrade upgrade = new Upgrade(lines);

        Map<String, OutputLine> results = upgrade.run(List.of("--model", model + "=first", "--model", model + "=second"),
                List.of("--model", model + "=first", "--removed-model", "second"),
                first -> first.stream().filter(l -> "second".equals(l.model())).count() >= 2);

        IntStream.range(0, 3).mapToObj(i -> results.get("r-" + i)).forEach(l ->
                assertThat(l.statusCode()).as("%s: %s", l.customId(), l.error()).isEqualTo(200));
        List<OutputLine> second = IntStream.range(0, IN_QUEUE).mapToObj(i -> results.get("second-" + i)).toList();
        assertThat(second).as("done before the upgrade, or a 404 after it").allSatisfy(l -> assertThat(l.statusCode()).isIn(200, 404));
        assertThat(second).filteredOn(l -> l.statusCode() == 404).as("in flight at the savepoint: answered by the removed model's stand-in")
                .anySatisfy(l -> assertThat(l.error()).contains("`second` is no longer served"));
        assertThat(upgrade.output()).containsPattern("the model second is no longer served: .* answers its \\d+ restored"
                + " in-flight requests with an error");
    }

    private Path synthetic(String name, long seed) throws IOException {
        Path folder = dir.resolve(name);
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), folder, seed, false, (done, total) -> { });
        return folder;
    }

    /** {@code count} greedy requests of {@code maxTokens} tokens (EOS ignored) naming {@code model} (null: none). */
    private static List<String> requests(int count, String model, int maxTokens) {
        return requests(count, model, maxTokens, 0);
    }

    /** As above, request {@code i} asking for {@code maxTokens + i * stagger} tokens. */
    private static List<String> requests(int count, String model, int maxTokens, int stagger) {
        List<String> prompts = Prompts.stories(count);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            var body = BatchLines.body().put("prompt", prompts.get(i)).put("max_tokens", maxTokens + i * stagger)
                    .put("temperature", 0).put("ignore_eos", true);
            if (model != null) {
                body.put("model", model);
            }
            lines.add(BatchLines.line((model == null ? "r-" : model + "-") + i, "/v1/completions", body));
        }
        return lines;
    }

    /** One service on its own topics and state directory, started with one set of models, then with another. */
    private final class Upgrade {
        private final int metricsPort = Ports.free();
        private final PipelineKafka.Topics topics = kafka.newTopics(1);
        private final int requests;
        private FlinferProcess upgraded;
        /** The upgraded run's metrics once every result is committed. */
        PrometheusScrape metrics;

        Upgrade(List<String> lines) {
            this.requests = lines.size();
            kafka.publish(topics.input(), lines);
        }

        /**
         * Runs with {@code before} until {@code stopWhen} holds for the committed results, stops it with a
         * savepoint, runs with {@code after} until every request has a result and two more checkpoints
         * completed (a duplicate emitted by then would be committed by them); returns the results by
         * custom_id, each the only one of its request.
         */
        Map<String, OutputLine> run(List<String> before, List<String> after, Predicate<List<OutputLine>> stopWhen) throws Exception {
            try (CommittedReader reader = kafka.reader(topics.output())) {
                try (FlinferProcess first = FlinferProcess.start(dir.resolve("before.log"), args(before))) {
                    reader.readUntil(v -> stopWhen.test(v.stream().map(OutputLine::parse).toList()) || !first.isAlive(), TIMEOUT,
                            () -> "the first results; output:\n" + first.output());
                    assertThat(first.isAlive()).as("still running; output:%n%s", first.output()).isTrue();
                    first.terminate(TIMEOUT);
                    assertThat(first.output()).contains("Stopped with savepoint");
                }
                assertThat(reader.readToEnd(TIMEOUT)).as("work was left for the upgraded run").hasSizeLessThan(requests);
                upgraded = FlinferProcess.start(dir.resolve("after.log"), args(after));
                reader.readUntil(v -> v.stream().map(OutputLine::parse).map(OutputLine::customId).distinct().count() >= requests,
                        TIMEOUT, () -> "a result for every request; output:\n" + upgraded.output());
                double checkpoints = completedCheckpoints();
                Await.until("two more checkpoints", TIMEOUT, () -> completedCheckpoints() >= checkpoints + 2);
                Map<String, OutputLine> results = new HashMap<>();
                for (String json : reader.readToEnd(TIMEOUT)) {
                    OutputLine line = OutputLine.parse(json);
                    assertThat(results.put(line.customId(), line)).as("a second result for %s", line.customId()).isNull();
                }
                assertThat(results).hasSize(requests);
                metrics = PrometheusScrape.of(metricsPort);
                return results;
            } finally {
                if (upgraded != null) {
                    upgraded.close();
                }
            }
        }

        /** What the upgraded run printed. */
        String output() {
            return upgraded.output();
        }

        private List<String> args(List<String> models) {
            List<String> args = new ArrayList<>(List.of("run", "--kv-cache-memory", "16MiB", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--input-topic", topics.input(), "--output-topic", topics.output(), "--dlq-topic", topics.deadLetters(),
                    "--group-id", "group-" + topics.input(), "--checkpoint-interval", "1s", "--max-in-flight", "2",
                    "--state-dir", dir.resolve("state").toString(), "--metrics-port", String.valueOf(metricsPort)));
            args.addAll(models);
            return args;
        }

        private double completedCheckpoints() throws IOException, InterruptedException {
            return PrometheusScrape.of(metricsPort).sum("flink_jobmanager_job_numberOfCompletedCheckpoints", Map.of());
        }
    }
}
