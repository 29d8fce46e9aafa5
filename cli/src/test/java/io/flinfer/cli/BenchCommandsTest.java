package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.bench.BenchRequest;
import io.flinfer.bench.RandomDataset;
import io.flinfer.bench.TokenRange;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Both benchmark commands, run in-process on the tiny synthetic model; the numbers' meaning is checked, never their speed. */
class BenchCommandsTest {
    private static final List<String> RESULT_KEYS = List.of("mode", "num_requests", "requests_per_s",
            "output_tokens_per_s", "total_tokens_per_s", "ttft_ms", "tpot_ms", "kv_waste_frac",
            "prefix_cache_hit_rate", "mfu", "mbu");

    @TempDir static Path dir;
    static Path model;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void writeTinyModel() throws Exception {
        model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 1, false, (done, total) -> {});
    }

    private JsonNode run(Path json, String... args) throws Exception {
        CommandLine cli = FlinferCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).as(err.toString()).isZero();
        return new ObjectMapper().readTree(json.toFile());
    }

    @Test
    void structuredComparesConstrainedRunsWithAndWithoutJumpForwardWithUnconstrainedOnesOfTheSameShape() throws Exception {
        Path json = dir.resolve("structured.json");
        JsonNode report = run(json, "bench", "structured", "--model", model.toString(), "--num-prompts", "3",
                "--input-len", "8", "--output-len", "24", "--rounds", "1", "--compile-repeats", "3",
                "--kv-cache-memory", "256KiB", "--max-model-len", "64", "--output-json", json.toString());

        JsonNode round = report.get("rounds").get(0);
        assertThat(round.get("unconstrained").get("output_tokens").asLong()).isEqualTo(3 * 24);
        assertThat(round.get("constrained").get("output_tokens").asLong())
                .as("the default schema's shortest value is longer than 24 tokens").isEqualTo(3 * 24);
        assertThat(round.get("constrained_no_jump_forward").get("output_tokens").asLong()).isEqualTo(3 * 24);
        assertThat(round.get("forced_tokens").asLong()).as("the property names after the first").isPositive();
        assertThat(report.get("throughput_ratio").asDouble()).isCloseTo(round.get("constrained").get("output_tokens_per_s").asDouble()
                / round.get("unconstrained").get("output_tokens_per_s").asDouble(), within(1e-9));
        assertThat(report.get("jump_forward_ratio").asDouble()).isCloseTo(round.get("constrained").get("output_tokens_per_s").asDouble()
                / round.get("constrained_no_jump_forward").get("output_tokens_per_s").asDouble(), within(1e-9));
        JsonNode compile = report.get("compile");
        assertThat(compile.get("vocabulary_ms").asDouble()).isPositive();
        assertThat(compile.get("cold_compile_ms").get("p50").asDouble()).isPositive();
        assertThat(compile.get("cold_compile_cpu_ms").get("p50").asDouble()).isPositive();
        assertThat(compile.get("cached_compile_ms").get("p99").asDouble())
                .isGreaterThanOrEqualTo(compile.get("cached_compile_ms").get("p50").asDouble());
        assertThat(report.get("mask").get("steps").asLong()).as("a step per constrained token after the prefill").isGreaterThanOrEqualTo(24);
        assertThat(report.get("mask").get("step_p99_ms").asDouble()).isGreaterThanOrEqualTo(report.get("mask").get("step_p50_ms").asDouble());
        assertThat(out.toString()).contains("Constrained over unconstrained output throughput");
    }

    @Test
    void throughputComparesContinuousWithStaticBatching() throws Exception {
        Path json = dir.resolve("throughput.json");
        JsonNode report = run(json, "bench", "throughput", "--model", model.toString(), "--num-prompts", "6",
                "--input-len", "8:40", "--output-len", "4:24", "--seed", "3", "--kv-cache-memory", "256KiB",
                "--max-model-len", "64", "--warmup-steps", "3", "--output-json", json.toString(), "--profile",
                "--profile-trace", dir.resolve("trace.json").toString());

        List<BenchRequest> requests = new RandomDataset(1024, RandomDataset.specialTokenIds(model), 3)
                .requests(6, TokenRange.parse("8:40"), TokenRange.parse("4:24"));
        long outputTokens = requests.stream().mapToLong(BenchRequest::outputLen).sum();
        long promptTokens = requests.stream().mapToLong(r -> r.promptIds().length).sum();
        for (String mode : List.of("continuous", "static")) {
            JsonNode r = report.get(mode);
            assertThat(r.fieldNames()).toIterable().containsAll(RESULT_KEYS);
            assertThat(r.get("mode").asText()).isEqualTo(mode);
            assertThat(r.get("num_requests").asInt()).isEqualTo(6);
            assertThat(r.get("output_tokens").asLong()).isEqualTo(outputTokens);
            assertThat(r.get("prompt_tokens").asLong()).isEqualTo(promptTokens);
            double elapsed = r.get("elapsed_s").asDouble();
            assertThat(r.get("output_tokens_per_s").asDouble()).isCloseTo(outputTokens / elapsed, within(1e-6));
            assertThat(r.get("total_tokens_per_s").asDouble())
                    .isCloseTo((outputTokens + promptTokens) / elapsed, within(1e-6));
            assertThat(r.get("requests_per_s").asDouble()).isCloseTo(6 / elapsed, within(1e-6));
            for (String latency : List.of("ttft_ms", "tpot_ms")) {
                JsonNode l = r.get(latency);
                assertThat(l.get("mean").asDouble()).isPositive();
                assertThat(l.get("p99").asDouble()).isGreaterThanOrEqualTo(l.get("p50").asDouble());
            }
            assertThat(r.get("kv_waste_frac").asDouble()).isBetween(0.0, 1.0);
            assertThat(r.get("mfu").asDouble()).isPositive();
            assertThat(r.get("mbu").asDouble()).isPositive();
        }
        assertThat(report.get("static").get("kv_waste_frac").asDouble())
                .isGreaterThan(report.get("continuous").get("kv_waste_frac").asDouble());
        // The warm-up's 3 steps ran on other random requests (no prefix of theirs is cached for the
        // measured ones), were aborted unfinished, and are not counted: the totals above are the workload's.
        assertThat(err.toString()).contains("warm-up: 3 engine steps, untimed");
        assertThat(report.get("continuous").get("prefix_cache_hit_rate").asDouble()).isZero();
        assertThat(report.get("speedup").asDouble()).isPositive();
        assertThat(out.toString()).contains("output tokens/s", "Throughput (continuous)", "Throughput (static)");
        assertThat(err.toString()).contains("[continuous] 6/6 requests finished", "[static] 6/6 requests finished",
                "machine limits on cpu: float32 matmul", "step profile (continuous):", "forward");
        // The trace holds the PyTorch operators the compiled program ran, attention among them.
        assertThat(java.nio.file.Files.readString(dir.resolve("trace.json")))
                .contains("\"name\": \"aten::scaled_dot_product_attention\"", "\"name\": \"aten::index_copy_\"");
    }

    @Test
    void prefixBenchmarkHitsTheCacheOnlyWhenItIsOn() throws Exception {
        Path json = dir.resolve("prefix.json");
        JsonNode report = run(json, "bench", "prefix", "--model", model.toString(), "--prefix-len", "64",
                "--suffix-len", "8", "--num-prompts", "4", "--output-len", "2", "--kv-cache-memory", "512KiB",
                "--max-model-len", "128", "--output-json", json.toString());

        JsonNode off = report.get("prefix_caching_off");
        JsonNode on = report.get("prefix_caching_on");
        assertThat(off.fieldNames()).toIterable().containsAll(RESULT_KEYS);
        assertThat(on.fieldNames()).toIterable().containsAll(RESULT_KEYS);
        assertThat(off.get("prefix_cache_hit_rate").asDouble()).isZero();
        // The three requests after the first find the 64-token prefix (4 blocks) cached: 3 x 64 of 4 x 72 tokens.
        assertThat(on.get("prefix_cache_hit_rate").asDouble()).isCloseTo(3 * 64 / (4 * 72.0), within(1e-9));
        assertThat(on.get("output_tokens").asLong()).isEqualTo(8);
        assertThat(report.get("speedup_ttft").asDouble())
                .isCloseTo(off.get("ttft_ms").get("mean").asDouble() / on.get("ttft_ms").get("mean").asDouble(), within(1e-9));
        assertThat(report.get("speedup_ttft_p50").asDouble())
                .isCloseTo(off.get("ttft_ms").get("p50").asDouble() / on.get("ttft_ms").get("p50").asDouble(), within(1e-9));
    }

    @Test
    void gemmBenchmarkTimesEveryLibraryPathAtEveryShape() {
        CommandLine cli = FlinferCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("bench", "gemm", "--threads", "1")).as(err.toString()).isZero();

        List<String> rows = out.toString().lines().skip(1).toList();
        assertThat(rows).hasSize(6);
        for (String row : rows) {
            // mm and linear are in every libtorch; the oneDNN and MKL paths may be n/a on other builds.
            String[] cells = row.substring(44).trim().split("\\s{2,}");
            assertThat(cells[0]).as(row).isEqualTo("1");
            assertThat(Double.parseDouble(cells[1].replace(" GB/s", ""))).as(row).isPositive();
            assertThat(Double.parseDouble(cells[2].replace(" GB/s", ""))).as(row).isPositive();
        }
    }
}
