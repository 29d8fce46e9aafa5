package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.operators.prepare.PrefixKey;
import io.flinfer.operators.route.BoundedLoadRouter;
import io.flinfer.operators.route.HashRing;
import io.flinfer.jobs.GenerationOptions;
import io.flinfer.jobs.batch.BatchJob;
import io.flinfer.jobs.batch.BatchOptions;
import io.flinfer.jobs.batch.DatasetFormat;
import io.flinfer.operators.records.ServedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.scope.ScopeFormat;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefix routing with bounded loads on four TaskManagers of one slot each: four generate subtasks,
 * an engine each, with a tiny random-weight model (what is measured here is routing and the prefix
 * cache, not text). A shared system prompt no longer pins all traffic to one engine, in the streaming
 * job and the batch job alike; skewed traffic stays within the bound; distinct prefixes stay where
 * plain affinity puts them.
 */
class PrefixRoutingTest {
    private static final int PARALLELISM = 4;
    private static final double BALANCE = GenerationOptions.ROUTING_BALANCE;
    private static final double PURE_AFFINITY = Double.POSITIVE_INFINITY;
    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();
    private static final String[] WORDS = {"river", "garden", "silver", "window", "thunder", "pencil", "forest",
            "candle", "harbor", "meadow", "rocket", "button", "lantern", "pebble", "violin", "tiger"};

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.cluster(PARALLELISM, 1, METRICS);

    @RegisterExtension
    static final PipelineKafka kafka = new PipelineKafka();

    @TempDir
    static Path models;

    private static EngineConfig engine;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void tinyModel() throws IOException {
        Path model = models.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 11, false, (done, total) -> {});
        engine = EngineConfig.defaults(model).withKvCacheMemory(16L << 20);
        tokenizer = Tokenizer.load(model);
    }

    @Test
    void oneSharedPrefixSpreadsOverEverySubtaskAndEachPaysOnePrefill(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        String system = systemPrompt("You are a kind assistant", 0);
        Traffic traffic = salt -> IntStream.range(0, 400)
                .mapToObj(i -> request("q" + i, system + " Question " + i + ": what is " + WORDS[i % 16] + "?", salt))
                .toList();

        Run bounded = run(cluster, traffic, PipelineOptions.Routing.PREFIX, BALANCE);
        Run pure = run(cluster, traffic, PipelineOptions.Routing.PREFIX, PURE_AFFINITY);

        assertThat(pure.served()).as("pure affinity: all on one subtask").containsOnlyOnce(400);
        assertThat(Arrays.stream(bounded.served()).boxed()).as("requests served by each generate subtask")
                .allSatisfy(n -> assertThat(n / 400.0).isBetween(0.15, 0.35));
        assertThat(bounded.hitRate()).as("hit rate %.3f, pure affinity %.3f", bounded.hitRate(), pure.hitRate())
                .isGreaterThanOrEqualTo(0.9 * pure.hitRate());
        assertThat(bounded.loads().routed()).as("routing metrics agree with what each subtask served")
                .containsExactly(bounded.served());
    }

    @Test
    void zipfTrafficStaysWithinTheBoundAndKeepsThePrefixHits(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        List<String> systems = IntStream.range(0, 16).mapToObj(k -> systemPrompt(WORDS[k] + " helper", k)).toList();
        int[] prefixOf = zipf(800, systems.size(), 1.2, new Random(5));
        Traffic traffic = salt -> IntStream.range(0, prefixOf.length)
                .mapToObj(i -> request("z" + i, systems.get(prefixOf[i]) + " Question " + i + ": where is the "
                        + WORDS[i % 16] + "?", salt))
                .toList();

        Run bounded = run(cluster, traffic, PipelineOptions.Routing.PREFIX, BALANCE);
        Run pure = run(cluster, traffic, PipelineOptions.Routing.PREFIX, PURE_AFFINITY);
        Run roundRobin = run(cluster, traffic, PipelineOptions.Routing.ROUND_ROBIN, BALANCE);

        double mean = prefixOf.length / (double) PARALLELISM;
        // Each upstream subtask keeps its own counts within (1 + ε) of its mean plus its slack.
        int allowance = PARALLELISM * (BoundedLoadRouter.SLACK + 1);
        assertThat(Arrays.stream(bounded.served()).max().getAsInt()).as("busiest subtask, pure affinity: %s",
                Arrays.toString(pure.served())).isLessThanOrEqualTo((int) ((1 + BALANCE) * mean) + allowance);
        assertThat(bounded.hitRate()).as("hit rate %.3f, pure affinity %.3f", bounded.hitRate(), pure.hitRate())
                .isGreaterThanOrEqualTo(0.9 * pure.hitRate());
        assertThat(roundRobin.hitRate()).as("round robin %.3f, bounded %.3f", roundRobin.hitRate(), bounded.hitRate())
                .isLessThan(bounded.hitRate());
    }

    /**
     * 64 prompts distinct from their first block, four requests each, published so that each routing
     * subtask sees first choices in turn (even load): every prefix stays on one subtask, and it pays
     * exactly one full prefill there.
     */
    @Test
    void distinctPrefixesAtEvenLoadStayOnTheirSubtaskWithoutSpills(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        PipelineKafka.Topics topics = kafka.newTopics(PARALLELISM);
        String salt = topics.input();
        HashRing ring = new HashRing(PARALLELISM);
        List<List<String>> perPartition = new ArrayList<>();
        int[] firstChoices = new int[PARALLELISM];
        int prompts = 0;
        for (int p = 0; p < PARALLELISM; p++) {
            List<String> systems = new ArrayList<>();
            for (int candidate = 0; systems.size() < 16; candidate++) {
                String system = systemPrompt("Prompt " + p + "-" + candidate, candidate);
                if (ring.preference(prefixKey(system, salt))[0] == systems.size() % PARALLELISM) {
                    systems.add(system);
                }
            }
            List<String> lines = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (String system : systems) {
                    lines.add(request("d" + prompts++, system + " Round " + round + ".", salt));
                    firstChoices[ring.preference(prefixKey(system, salt))[0]]++;
                }
            }
            perPartition.add(lines);
        }

        Run run = run(cluster, topics, PipelineOptions.Routing.PREFIX, BALANCE, prompts,
                t -> kafka.publishToPartitions(t, perPartition));

        assertThat(run.loads().spills()).isZero();
        assertThat(run.served()).as("each prefix on its first choice").containsExactly(firstChoices);
        assertThat(run.fullMisses()).as("requests that found none of their prefix cached: one per prefix")
                .isEqualTo(PARALLELISM * 16);
    }

    @Test
    void theBatchJobSpreadsASharedPrefixTheSameWay(@InjectMiniCluster MiniCluster cluster, @TempDir Path dir)
            throws Exception {
        String system = systemPrompt("You are a patient teacher", 3);
        Path requests = dir.resolve("requests.jsonl");
        Files.write(requests, IntStream.range(0, 200)
                .mapToObj(i -> request("b" + i, system + " Question " + i + ": why is the " + WORDS[i % 16] + " here?", "batch"))
                .toList());
        GenerationOptions generation = new GenerationOptions(engine, 32, Duration.ofMinutes(5), 4,
                PipelineOptions.Routing.PREFIX, BALANCE, ServedModel.ofModelArgument(engine.model()));
        BatchOptions options = new BatchOptions(List.of(requests.toUri().toString()), DatasetFormat.JSONL, null,
                dir.resolve("parts").toUri().toString(), DatasetFormat.JSONL, null, generation, "routing-test");
        StreamExecutionEnvironment env = new TestStreamEnvironment(cluster, PARALLELISM);
        env.enableCheckpointing(1000);
        BatchJob.build(env, options);

        JobID job = env.execute("batch-routing-test").getJobID();

        Loads loads = loads(job);
        assertThat(Arrays.stream(loads.served()).boxed()).as("requests served by each generate subtask")
                .allSatisfy(n -> assertThat(n / 200.0).isBetween(0.15, 0.35));
        assertThat(loads.routed()).containsExactly(loads.served());
    }

    /** The request lines of a run, with its cache salt so that no run hits the blocks of an earlier one. */
    @FunctionalInterface
    private interface Traffic {
        List<String> lines(String cacheSalt);
    }

    /** A streaming run's results (hit rate, requests none of whose prompt was cached) and its loads. */
    private record Run(double hitRate, int fullMisses, Loads loads) {
        int[] served() {
            return loads.served();
        }
    }

    /**
     * @param served successful requests of each generate subtask
     * @param routed requests each generate subtask received
     * @param spills requests that reached a subtask other than their prefix's first choice
     */
    private record Loads(int[] served, int[] routed, long spills) {}

    private static Run run(MiniCluster cluster, Traffic traffic, PipelineOptions.Routing routing, double balance)
            throws Exception {
        PipelineKafka.Topics topics = kafka.newTopics(PARALLELISM);
        List<String> lines = traffic.lines(topics.input());
        return run(cluster, topics, routing, balance, lines.size(), t -> kafka.publish(t, lines));
    }

    /** @param publish publishes {@code requests} request lines to the topic it is given */
    private static Run run(MiniCluster cluster, PipelineKafka.Topics topics, PipelineOptions.Routing routing,
            double balance, int requests, Consumer<String> publish) throws Exception {
        PipelineOptions options = kafka.options(topics, engine, 32, routing, balance);
        try (RunningJob job = RunningJob.start(cluster, PARALLELISM, Duration.ofSeconds(1), options);
                CommittedReader reader = kafka.reader(topics.output())) {
            publish.accept(topics.input());
            reader.readUntil(v -> v.size() >= requests, Duration.ofMinutes(2),
                    () -> requests + " results with " + routing + " routing, balance " + balance);
            return result(reader.values(), job.id());
        }
    }

    private static Run result(List<String> results, JobID job) {
        long prompt = 0;
        long cached = 0;
        int fullMisses = 0;
        for (String json : results) {
            OutputLine line = OutputLine.parse(json);
            assertThat(line.statusCode()).as("%s: %s", line.customId(), line.error()).isEqualTo(200);
            prompt += line.promptTokens();
            cached += line.cachedTokens();
            fullMisses += line.cachedTokens() == 0 ? 1 : 0;
        }
        return new Run((double) cached / prompt, fullMisses, loads(job));
    }

    /** From the generate operator's metrics. */
    private static Loads loads(JobID job) {
        int[] served = new int[PARALLELISM];
        int[] routed = new int[PARALLELISM];
        long spills = 0;
        for (Map.Entry<MetricGroup, Map<String, Metric>> generate : new OperatorMetrics(METRICS, job).generateGroups().entrySet()) {
            MetricGroup group = generate.getKey();
            Map<String, Metric> metrics = generate.getValue();
            int subtask = Integer.parseInt(group.getAllVariables().get(ScopeFormat.SCOPE_TASK_SUBTASK_INDEX));
            served[subtask] = (int) ((Histogram) metrics.get("e2e_request_latency_microseconds")).getCount();
            routed[subtask] = (int) ((Counter) metrics.get("routed_requests")).getCount();
            spills += ((Counter) metrics.get("routing_spills")).getCount();
        }
        return new Loads(served, routed, spills);
    }

    /** About 120 tokens, distinct from the first block on when the openings differ. */
    private static String systemPrompt(String opening, int variant) {
        StringBuilder text = new StringBuilder(opening).append('.');
        for (int i = 0; i < 24; i++) {
            text.append(' ').append(WORDS[(variant + i * 5) % WORDS.length]);
        }
        return text.append(". Answer in one short sentence.").toString();
    }

    /** One output token: the prompt's prefill is the work, and the prefix cache is what is measured. */
    private static String request(String customId, String prompt, String cacheSalt) {
        return BatchLines.line(customId, "/v1/completions", BatchLines.body().put("prompt", prompt)
                .put("max_tokens", 1).put("temperature", 0).put("cache_salt", cacheSalt));
    }

    /** The key the prepare step gives the prompt, as the job is configured here (4 blocks). */
    private static String prefixKey(String prompt, String cacheSalt) {
        int[] ids = tokenizer.encode(prompt);
        assertThat(ids.length).as("tokens of a prompt: more than 4 blocks").isGreaterThan(4 * engine.blockSize());
        return PrefixKey.of(ids, engine.blockSize(), 4, cacheSalt, "unused: the prompt is long enough");
    }

    /** {@code count} draws from Zipf's law with exponent {@code s} over {@code n} ranks. */
    private static int[] zipf(int count, int n, double s, Random random) {
        double[] cumulative = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1 / Math.pow(k + 1, s);
            cumulative[k] = sum;
        }
        int[] draws = new int[count];
        for (int i = 0; i < count; i++) {
            double u = random.nextDouble() * sum;
            int k = 0;
            while (k < n - 1 && u >= cumulative[k]) {
                k++;
            }
            draws[i] = k;
        }
        return draws;
    }
}
