package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.bench.TextPrompts;
import io.flinfer.bench.TokenRange;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench pipeline} on the tiny synthetic model with a tiny workload: the real broker, job and
 * engine run; the report's shape and token counts are checked, never its speed.
 */
class BenchPipelineCommandTest {
    @TempDir Path dir;

    @Test
    void bothPathsServeTheSameWorkloadAndTheReportComparesThem() throws Exception {
        Path model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 1, false, (done, total) -> {});
        Path json = dir.resolve("pipeline.json");
        Path plot = dir.resolve("sweep.svg");

        // Outputs of 100-120 tokens: enough steps for the engine's thread to show in the CPU profile,
        // which Linux counts in 10 ms ticks (a few short requests' steps could all fall between two).
        CliRun run = CliRun.of("bench", "pipeline", "--model", model.toString(), "--num-prompts", "5",
                "--input-len", "16:40", "--output-len", "100:120", "--seed", "11", "--kv-cache-memory", "1MiB",
                "--max-model-len", "192", "--checkpoint-interval", "200ms", "--parallelism", "2",
                "--timeout", "3m", "--request-rate", "inf,20", "--output-json", json.toString(), "--plot", plot.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Steps: engine alone", "Throughput (engine):", "Throughput (pipeline):", "Pipeline over engine alone:",
                "Engine idle in the pipeline:", "Per request rate");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.fieldNames()).toIterable().containsExactlyInAnyOrder("engine", "pipeline", "runs", "ratio", "target_ratio", "workload");
        JsonNode engine = report.get("engine");
        JsonNode pipeline = report.get("pipeline");
        for (JsonNode r : List.of(engine, pipeline)) {
            assertThat(r.fieldNames()).toIterable().contains("num_requests", "elapsed_s", "prompt_tokens", "output_tokens",
                    "output_tokens_per_s", "total_tokens_per_s", "requests_per_s");
            assertThat(r.get("num_requests").asInt()).isEqualTo(5);
            assertThat(r.get("output_tokens_per_s").asDouble()).isPositive();
        }

        List<TextPrompts.TextRequest> expected;
        try (Tokenizer tokenizer = Tokenizer.load(model)) {
            expected = new TextPrompts(tokenizer, 11).requests(5, TokenRange.parse("16:40"), TokenRange.parse("100:120"));
        }
        long outputTokens = expected.stream().mapToLong(r -> r.tokens().outputLen()).sum();
        long promptTokens = expected.stream().mapToLong(r -> r.tokens().promptIds().length).sum();
        assertThat(engine.get("output_tokens").asLong()).isEqualTo(outputTokens);
        assertThat(pipeline.get("output_tokens").asLong()).as("the pipeline generated what the engine did").isEqualTo(outputTokens);
        assertThat(pipeline.get("engine_idle_fraction").asDouble()).as("the engines stepped part of the time, not all of it")
                .isGreaterThan(0).isLessThan(1);
        assertThat(engine.get("prompt_tokens").asLong()).isEqualTo(promptTokens);
        assertThat(pipeline.get("prompt_tokens").asLong()).as("the pipeline's tokenizer made the same prompts").isEqualTo(promptTokens);
        assertThat(report.get("ratio").asDouble())
                .isCloseTo(pipeline.get("output_tokens_per_s").asDouble() / engine.get("output_tokens_per_s").asDouble(),
                        offset(1e-9));
        assertThat(report.get("workload").get("parallelism").asInt()).isEqualTo(2);
        JsonNode runs = report.get("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).get("request_rate").asText()).isEqualTo("inf");
        assertThat(runs.get(1).get("request_rate").asText()).isEqualTo("20.0");
        for (JsonNode r : runs) {
            assertThat(r.get("output_tokens").asLong()).as("every rate serves the whole workload").isEqualTo(outputTokens);
            assertThat(r.get("steps").asLong()).as("at least one step per output token of the longest request").isGreaterThanOrEqualTo(3);
            JsonNode e2e = r.get("e2e_latency_ms");
            assertThat(e2e.get("p50").asDouble()).isPositive().isLessThanOrEqualTo(e2e.get("p90").asDouble());
            assertThat(e2e.get("p90").asDouble()).isLessThanOrEqualTo(e2e.get("p99").asDouble());
            // The parts of each record's latency add up to it, so their means add up to its mean.
            double partsMean = 0;
            for (String part : List.of("before_engine_ms", "engine_queue_ms", "generation_ms", "finished_to_visible_ms")) {
                assertThat(r.get(part).get("p50").asDouble()).as(part).isGreaterThanOrEqualTo(0);
                partsMean += r.get(part).get("mean").asDouble();
            }
            assertThat(partsMean).isCloseTo(e2e.get("mean").asDouble(), offset(1e-6));
            assertThat(r.get("generation_ms").get("p50").asDouble()).isPositive();
            assertThat(r.get("ttft_ms").get("p99").asDouble()).as("the first token comes after the engine got the record")
                    .isGreaterThanOrEqualTo(r.get("before_engine_ms").get("p99").asDouble());
        }
        assertThat(runs.get(1).get("kept_up").isBoolean()).isTrue();
        assertThat(Files.readString(plot)).startsWith("<svg").contains("<polyline");
        assertThat(run.out()).contains("Sustainable:", "Latency parts", "before engine", "to visible", "CPU by thread", "idle or elsewhere");
        assertThat(runs.get(0).get("cpu_seconds_by_thread").get("flinfer-tensors").asDouble())
                .as("the engine's thread and its libtorch workers stepped").isPositive();
    }
}
