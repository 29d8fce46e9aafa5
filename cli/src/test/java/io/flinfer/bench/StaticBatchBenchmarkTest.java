package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticBatchBenchmarkTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void writeTinyModel() throws Exception {
        model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 1, false, (done, total) -> {});
    }

    @Test
    void countsOnlyRealTokensAndWastesThePaddedRegions() {
        // tiny: 4 layers x 2 KV heads x 16 dims x K,V x 4 bytes = 1 KiB per token; 128 KiB = two 64-token rows.
        var setup = new StaticBatchBenchmark.Setup(model, DataType.FLOAT32, Device.cpu(), 16, 128 << 10, 64);
        List<BenchRequest> requests = new RandomDataset(1024, RandomDataset.specialTokenIds(model), 5)
                .requests(5, new TokenRange(8, 24), new TokenRange(4, 20));
        StringWriter progress = new StringWriter();
        BenchResult result = StaticBatchBenchmark.run(setup, requests, new MachineLimits(1e9, 1e9),
                new BenchProgress(new PrintWriter(progress), "static"));

        assertThat(result.numRequests()).isEqualTo(5);
        assertThat(result.outputTokens()).isEqualTo(requests.stream().mapToLong(BenchRequest::outputLen).sum());
        assertThat(result.promptTokens()).isEqualTo(requests.stream().mapToLong(r -> r.promptIds().length).sum());
        assertThat(result.ttftMs().mean()).isPositive();
        assertThat(result.ttftMs().p99()).isGreaterThanOrEqualTo(result.ttftMs().p50());
        assertThat(result.tpotMs().mean()).isPositive();
        // At the fullest, two rows of 64 slots held at most 2 x (24 + 20) tokens.
        assertThat(result.kvWasteFrac()).isBetween(1 - 88.0 / 128, 1.0);
        assertThat(result.prefixCacheHitRate()).isZero();
        assertThat(result.mfu()).isPositive();
        assertThat(result.mbu()).isPositive();
        assertThat(progress.toString()).contains("[static] 5/5 requests finished");
    }

    @Test
    void refusesABudgetWithoutRoomForOneRow() {
        var setup = new StaticBatchBenchmark.Setup(model, DataType.FLOAT32, Device.cpu(), 16, 32 << 10, 64);
        List<BenchRequest> requests = List.of(new BenchRequest("a", new int[] {5, 6}, 2));
        assertThatThrownBy(() -> StaticBatchBenchmark.run(setup, requests, new MachineLimits(1, 1),
                new BenchProgress(new PrintWriter(new StringWriter()), "static")))
                .hasMessageContaining("raise --kv-cache-memory or lower --max-model-len");
    }
}
