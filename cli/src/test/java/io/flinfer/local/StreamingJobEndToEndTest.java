package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.Llm;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
