package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.Llm;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


/** Requests in through Kafka, completions out through Kafka: the same text the engine gives on its own. */
class StreamingJobEndToEndTest {
    private static final int REQUESTS = 200;
    private static final int MAX_TOKENS = 8;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.cluster(1, 2, InMemoryReporter.create());

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    @Test
    void everyRequestGetsExactlyOneResultWithTheEnginesGreedyCompletion(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        EngineConfig engine = TestModel.engine();
        List<String> prompts = Prompts.stories(REQUESTS);
        PipelineKafka.Topics topics = kafka.newTopics(2);
        PipelineOptions options = kafka.options(topics, engine, 32, PipelineOptions.Routing.PREFIX);

        List<String> results;
        try (RunningJob job = RunningJob.start(cluster, 2, Duration.ofSeconds(1), options);
                CommittedReader reader = kafka.reader(topics.output())) {
            kafka.publish(topics.input(), IntStream.range(0, REQUESTS)
                    .mapToObj(i -> BatchLines.completion("req-" + i, prompts.get(i), MAX_TOKENS, 0)).toList());
            results = reader.readUntil(v -> v.size() >= REQUESTS, Duration.ofMinutes(2), () -> REQUESTS + " results");
            // Anything more (a duplicate) would be committed by the next checkpoints.
            job.awaitMoreCheckpoints(2);
            results = reader.readToEnd(Duration.ofSeconds(30));
        }

        Map<String, String> expected = directCompletions(engine, prompts);
        Map<String, OutputLine> byId = new HashMap<>();
        for (String json : results) {
            OutputLine line = OutputLine.parse(json);
            assertThat(byId.put(line.customId(), line)).as("a second result for %s", line.customId()).isNull();
        }
        assertThat(byId).hasSize(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) {
            OutputLine line = byId.get("req-" + i);
            assertThat(line.statusCode()).as("status of req-%d: %s", i, line.error()).isEqualTo(200);
            assertThat(line.text()).as("text of req-%d (prompt %s)", i, prompts.get(i)).isEqualTo(expected.get("req-" + i));
        }
    }

    /**
     * Kafka keeps no field of a value unique: ids published twice back to back, as a producer's retry
     * (the same line) or a reused id (another prompt), each record gets its own committed line. One
     * partition and one generate subtask, so that both records of an id are in flight together.
     */
    @Test
    void idsPublishedTwiceBackToBackGetOneLinePerRecord(@InjectMiniCluster MiniCluster cluster) throws Exception {
        int ids = 10;
        List<String> prompts = Prompts.stories(3 * ids);
        List<String> records = new ArrayList<>();
        for (int i = 0; i < ids; i++) {
            String retried = greedy("retried-" + i, prompts.get(i), MAX_TOKENS);
            records.add(retried);
            records.add(retried);
            records.add(greedy("reused-" + i, prompts.get(ids + i), MAX_TOKENS));
            records.add(greedy("reused-" + i, prompts.get(2 * ids + i), MAX_TOKENS + 4));
            records.add(greedy("unique-" + i, prompts.get(i), MAX_TOKENS));
        }
        PipelineKafka.Topics topics = kafka.newTopics(1);
        PipelineOptions options = kafka.options(topics, TestModel.engine(), 32, PipelineOptions.Routing.PREFIX);

        List<OutputLine> lines;
        try (RunningJob job = RunningJob.start(cluster, 1, Duration.ofSeconds(1), options);
                CommittedReader reader = kafka.reader(topics.output())) {
            kafka.publish(topics.input(), records);
            reader.readUntil(v -> v.size() >= records.size(), Duration.ofMinutes(1), () -> "a line for each of " + records.size() + " records");
            job.awaitMoreCheckpoints(2);
            lines = reader.readToEnd(Duration.ofSeconds(30)).stream().map(OutputLine::parse).toList();
        }

        assertThat(lines).hasSameSizeAs(records);
        assertThat(lines).allSatisfy(line -> assertThat(line.statusCode()).as("%s: %s", line.customId(), line.error()).isEqualTo(200));
        Map<String, List<Integer>> completionTokens = lines.stream().collect(Collectors.groupingBy(OutputLine::customId,
                Collectors.mapping(OutputLine::completionTokens, Collectors.toList())));
        for (int i = 0; i < ids; i++) {
            assertThat(completionTokens.get("retried-" + i)).as("retried-%d", i).containsExactly(MAX_TOKENS, MAX_TOKENS);
            assertThat(completionTokens.get("reused-" + i)).as("reused-%d", i).containsExactlyInAnyOrder(MAX_TOKENS, MAX_TOKENS + 4);
            assertThat(completionTokens.get("unique-" + i)).as("unique-%d", i).containsExactly(MAX_TOKENS);
        }
    }

    /** A greedy completion of exactly {@code maxTokens} tokens, so its line tells which record it answers. */
    private static String greedy(String customId, String prompt, int maxTokens) {
        return BatchLines.line(customId, "/v1/completions", BatchLines.body().put("prompt", prompt)
                .put("max_tokens", maxTokens).put("temperature", 0).put("ignore_eos", true));
    }

    /** The same prompts, tokenized as completions are, through the engine's offline facade. */
    private static Map<String, String> directCompletions(EngineConfig engine, List<String> prompts) {
        Map<String, String> texts = new HashMap<>();
        try (Llm llm = Llm.load(engine)) {
            List<RequestOutput> outputs = llm.generate(prompts, SamplingParams.greedy(MAX_TOKENS));
            for (int i = 0; i < outputs.size(); i++) {
                texts.put("req-" + i, outputs.get(i).text());
            }
        }
        return texts;
    }
}
