package io.flinfer.engine.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.model.Checkpoint;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Merges a PEFT LoRA adapter into a {@link TinyCheckpoint}'s weights as PEFT's {@code merge_and_unload}
 * does, {@code W + scale * B A} in double precision, reading the adapter's files directly: the model a
 * {@link ReferenceLlama} runs to check the engine's unmerged, batched adapter path.
 */
public final class MergedLora {
    private MergedLora() {}

    public static void mergeInto(TinyCheckpoint ckpt, Path adapter) throws IOException {
        JsonNode config = new ObjectMapper().readTree(adapter.resolve("adapter_config.json").toFile());
        int r = config.get("r").asInt();
        double alpha = config.get("lora_alpha").asDouble();
        double scale = config.path("use_rslora").asBoolean(false) ? alpha / Math.sqrt(r) : alpha / r;
        Checkpoint tensors = new Checkpoint(adapter);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (String name : tensors.names()) {
                if (!name.endsWith(".lora_A.weight")) {
                    continue;
                }
                String module = name.substring("base_model.model.".length(), name.length() - ".lora_A.weight".length());
                float[] w = ckpt.weights.get(module + ".weight");
                float[] a = floats(tensors, name, manager);
                float[] b = floats(tensors, name.replace("lora_A", "lora_B"), manager);
                int in = a.length / r;
                int out = b.length / r;
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double delta = 0;
                        for (int k = 0; k < r; k++) {
                            delta += (double) b[o * r + k] * a[k * in + i];
                        }
                        w[o * in + i] = (float) (w[o * in + i] + scale * delta);
                    }
                }
            }
        }
    }

    private static float[] floats(Checkpoint tensors, String name, NDManager manager) {
        try (NDArray t = tensors.read(name, manager, DataType.FLOAT32)) {
            return t.toFloatArray();
        }
    }
}
