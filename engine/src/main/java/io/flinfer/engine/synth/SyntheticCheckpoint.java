package io.flinfer.engine.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flinfer.engine.model.SafetensorsWriter;
import io.flinfer.engine.model.SafetensorsWriter.TensorSpec;
import io.flinfer.engine.model.SafetensorsWriter.ValueSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a random-weight checkpoint of a {@link SynthPreset} in Hugging Face layout: config.json,
 * generation_config.json, model.safetensors, tokenizer.json and tokenizer_config.json. Weights are
 * seeded Gaussians (norm weights 1), streamed to disk tensor by tensor so memory stays small.
 */
public final class SyntheticCheckpoint {
    /** Small enough that activations stay well-scaled through every layer. */
    static final double WEIGHT_STD = 0.02;

    /** Told, as values are written, how many parameters are done out of how many. */
    @FunctionalInterface
    public interface Progress {
        void written(long parameters, long total);
    }

    private SyntheticCheckpoint() {}

    public static void write(SynthPreset preset, Path dir, long seed, boolean bf16, Progress progress)
            throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(dir.resolve("config.json").toFile(), preset.configJson(bf16 ? "bfloat16" : "float32"));
        json.writeValue(dir.resolve("generation_config.json").toFile(), json.createObjectNode()
                .put("bos_token_id", SynthPreset.BOS_ID)
                .put("eos_token_id", SynthPreset.EOS_ID));
        SynthTokenizer.create(preset.vocabSize()).write(dir, preset.maxPositionEmbeddings());

        List<TensorSpec> tensors = preset.tensors();
        long total = preset.parameterCount();
        SplittableRandom random = new SplittableRandom(seed);
        long[] done = {0};
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, bf16, spec -> {
            ValueSource values = spec.name().endsWith("norm.weight")
                    ? (chunk, n) -> Arrays.fill(chunk, 0, n, preset.normWeight())
                    : (chunk, n) -> gaussian(random, chunk, n);
            return (chunk, n) -> {
                values.fill(chunk, n);
                done[0] += n;
                progress.written(done[0], total);
            };
        });
    }

    private static void gaussian(SplittableRandom random, float[] chunk, int n) {
        for (int i = 0; i < n; i++) {
            chunk[i] = (float) (random.nextGaussian() * WEIGHT_STD);
        }
    }
}
