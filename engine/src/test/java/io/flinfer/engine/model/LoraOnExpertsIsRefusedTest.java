package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.testing.TinyCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT names a Qwen3-MoE expert's matrices {@code mlp.experts.E.gate_proj}, under the same target
 * modules as a dense MLP's: such an adapter is refused naming the experts, not served without them.
 */
class LoraOnExpertsIsRefusedTest {

    @Test
    void anAdapterOfAnExpertIsRefusedNamingTheExperts(@TempDir Path dir) throws Exception {
        Path base = TinyCheckpoint.random(new TinyCheckpoint.Variant("qwen3_moe", "qwen3_moe", 4, 2, 16, true, false, null), 1)
                .write(dir.resolve("base"), null);
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        Files.writeString(adapter.resolve("adapter_config.json"),
                "{\"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"gate_proj\"]}");
        SafetensorsWriter.write(adapter.resolve("adapter_model.safetensors"), Map.of(
                "base_model.model.model.layers.1.mlp.experts.0.gate_proj.lora_A.weight",
                new SafetensorsWriter.Tensor(new float[4 * 48], 4, 48)), false);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> LoraAdapter.load("moe-lora", adapter, ModelConfig.load(base), 16, DataType.FLOAT32,
                    manager)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("mlp.experts.0.gate_proj")
                    .hasMessageContaining("adapters of a mixture's experts are not supported");
        }
    }
}
