package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.model.ComputePaths;
import io.flinfer.engine.model.ModelConfig;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCostsTest {
    @Test
    void weightsAreReadAtTheSizeTheirProductReads(@TempDir Path dir) throws Exception {
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), dir, 1, false, (done, total) -> {});
        ModelConfig config = ModelConfig.load(dir);
        long params = config.matmulParameters();

        assertThat(ModelCosts.of(config, DataType.FLOAT32, paths(ComputePaths.ONEDNN)).weightBytes()).isEqualTo(4 * params);
        assertThat(ModelCosts.of(config, DataType.BFLOAT16, paths(ComputePaths.ONEDNN)).weightBytes()).isEqualTo(2 * params);
        // int8 weights are one byte each whatever the activations' dtype, on either int8 kernel.
        assertThat(ModelCosts.of(config, DataType.BFLOAT16, paths(ComputePaths.INT8_DYNAMIC)).weightBytes()).isEqualTo(params);
        assertThat(ModelCosts.of(config, DataType.FLOAT32, paths(ComputePaths.INT8)).weightBytes()).isEqualTo(params);
    }

    private static ComputePaths paths(String linear) {
        return new ComputePaths("cpu", "float32", linear, ComputePaths.SDPA_FUSED, ComputePaths.FUSED_NORM, List.of(), 0);
    }
}
