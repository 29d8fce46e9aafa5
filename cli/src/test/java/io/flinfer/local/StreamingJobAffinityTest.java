package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.ModelConfig;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


/**
 * Keying requests by their prompt prefix sends each system prompt to one engine, whose prefix cache
 * then holds it; round robin makes every engine see every system prompt, more than its cache holds.
 */
class StreamingJobAffinityTest {
    private static final int PARALLELISM = 2;
    private static final int SYSTEM_PROMPTS = 8;
    private static final int QUESTIONS = 32;
    /**
     * KV blocks per engine: about the 4 system prompts (8 blocks each) that prefix routing sends it,
     * far from all 8. Routing only matters when a cache cannot hold everything. Measured here: hit
     * rates of about 0.66 by prefix and 0.35 round robin.
     */
    private static final int KV_BLOCKS = 32;
    private static final String[] HEROES = {"Lily", "Tom", "Sue", "Ben", "Max", "Anna", "Tim", "Mia"};
    private static final String[] QUESTION_STARTS = {"What did", "Where did", "Why did", "How did"};
    private static final String[] QUESTION_ENDS = {"find", "see", "eat", "want", "make", "lose", "like", "hear"};

    /** Two TaskManagers with one slot each: two generate subtasks with an engine each. */
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.cluster(PARALLELISM, 1, InMemoryReporter.create());

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    @Test
    void prefixRoutingHitsThePrefixCacheFarMoreOftenThanRoundRobin(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        EngineConfig engine = TestModel.engine().withKvCacheMemory(KV_BLOCKS * bytesPerBlock(TestModel.engine()));
        List<String> systemPrompts = systemPrompts();
        Tokenizer tokenizer = Tokenizer.load(engine.modelPath());
        for (String system : systemPrompts) {
            assertThat(tokenizer.encode(system).length).as("tokens of a system prompt: at least 4 blocks")
                    .isGreaterThanOrEqualTo(4 * engine.blockSize());
        }

        double byPrefix = hitRate(cluster, engine, PipelineOptions.Routing.PREFIX, systemPrompts);
        double roundRobin = hitRate(cluster, engine, PipelineOptions.Routing.ROUND_ROBIN, systemPrompts);

        assertThat(byPrefix).as("prefix-cache hit rate by prefix %.3f vs round robin %.3f", byPrefix, roundRobin)
                .isGreaterThanOrEqualTo(1.5 * roundRobin);
    }

    /** Sum of cached prompt tokens over sum of prompt tokens, over the results of one run. */
    private static double hitRate(MiniCluster cluster, EngineConfig engine, PipelineOptions.Routing routing,
            List<String> systemPrompts) throws Exception {
        PipelineKafka.Topics topics = kafka.newTopics(PARALLELISM);
        PipelineOptions options = kafka.options(topics, engine, 2, routing);
        // The engines outlive the job; a salt of its own keeps this run from hitting the last run's blocks.
        List<String> requests = requests(systemPrompts, routing.name());
        List<String> results;
        try (RunningJob job = RunningJob.start(cluster, PARALLELISM, Duration.ofSeconds(1), options);
                CommittedReader reader = kafka.reader(topics.output())) {
            kafka.publish(topics.input(), requests);
            results = reader.readUntil(v -> v.size() >= requests.size(), Duration.ofMinutes(2),
                    () -> requests.size() + " results with " + routing + " routing");
        }
        long prompt = 0;
        long cached = 0;
        for (String json : results) {
            OutputLine line = OutputLine.parse(json);
            assertThat(line.statusCode()).as("%s: %s", line.customId(), line.error()).isEqualTo(200);
            prompt += line.promptTokens();
            cached += line.cachedTokens();
        }
        return (double) cached / prompt;
    }

    /** Every question under every system prompt, in a fixed random order (a sorted order would favour round robin). */
    private static List<String> requests(List<String> systemPrompts, String cacheSalt) {
        List<String> requests = new ArrayList<>();
        for (int s = 0; s < systemPrompts.size(); s++) {
            for (int q = 0; q < QUESTIONS; q++) {
                String question = QUESTION_STARTS[q % QUESTION_STARTS.length] + " " + HEROES[s] + " "
                        + QUESTION_ENDS[q / QUESTION_STARTS.length] + "?";
                requests.add(BatchLines.line("s" + s + "-q" + q, "/v1/completions", BatchLines.body()
                        .put("prompt", systemPrompts.get(s) + " " + question)
                        .put("max_tokens", 2).put("temperature", 0).put("cache_salt", cacheSalt)));
            }
        }
        Collections.shuffle(requests, new Random(42));
        return requests;
    }

    /** Distinct from their first words on, so that each has its own routing key and its own cache blocks. */
    private static List<String> systemPrompts() {
        List<String> prompts = new ArrayList<>();
        for (int s = 0; s < SYSTEM_PROMPTS; s++) {
            prompts.add(HEROES[s] + " is the hero of this story. You tell stories about " + HEROES[s]
                    + " to little children. " + HEROES[s] + " lives in a small house near the big park with a dog"
                    + " and a cat. Every day " + HEROES[s] + " goes to play in the park with friends and comes home"
                    + " happy. Answer the question about " + HEROES[s] + " with a short and kind story.");
        }
        return prompts;
    }

    private static long bytesPerBlock(EngineConfig engine) {
        return KvCache.bytesPerToken(ModelConfig.load(engine.modelPath()), DataType.FLOAT32) * engine.blockSize();
    }
}
