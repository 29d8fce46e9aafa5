package io.flinfer.engine.synth;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.model.Checkpoint;
import io.flinfer.engine.model.LoraAdapter;
import io.flinfer.engine.model.ModelConfig;
import io.flinfer.engine.model.SafetensorsWriter;
import io.flinfer.engine.model.SafetensorsWriter.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random LoRA adapter for a base model as PEFT does ({@code adapter_config.json},
 * {@code adapter_model.safetensors}), for tests and benchmarks. Unlike a freshly initialised adapter
 * (B = 0) both A and B are non-zero, and B is scaled so that each targeted module's delta
 * {@code scale * B A} has half the root-mean-square of the base weight it adds to: enough to change
 * greedy output visibly, not so much that the model degenerates.
 */
public final class SyntheticLora {
    /** The delta's size relative to the base weight's, per entry (root mean square). */
    static final double RELATIVE_DELTA = 0.5;

    /**
     * @param targets modules of {@link LoraAdapter#MODULES}
     * @param rsLora whether the adapter scales by {@code alpha / sqrt(r)} instead of {@code alpha / r}
     */
    public record Options(int rank, List<String> targets, long seed, boolean rsLora) {
        public Options {
            if (rank < 1) {
                throw new IllegalArgumentException("the rank must be positive, got " + rank);
            }
            for (String t : targets) {
                if (!LoraAdapter.MODULES.contains(t)) {
                    throw new IllegalArgumentException("unknown target module " + t + "; choose among "
                            + String.join(", ", LoraAdapter.MODULES));
                }
            }
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("an adapter needs at least one target module");
            }
            targets = List.copyOf(targets);
        }

        public static Options allModules(int rank, long seed) {
            return new Options(rank, LoraAdapter.MODULES, seed, false);
        }

        /** lora_alpha: twice the rank, a common choice. */
        double alpha() {
            return 2.0 * rank;
        }

        double scale() {
            return rsLora ? alpha() / Math.sqrt(rank) : alpha() / rank;
        }
    }

    private SyntheticLora() {}

    public static void write(Path base, Path out, Options options) throws IOException {
        ModelConfig model = ModelConfig.load(base);
        Map<String, Double> baseRms = baseRms(base, options.targets());
        Files.createDirectories(out);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode config = json.createObjectNode()
                .put("peft_type", "LORA").put("task_type", "CAUSAL_LM")
                .put("base_model_name_or_path", base.toString())
                .put("r", options.rank()).put("lora_alpha", options.alpha()).put("use_rslora", options.rsLora())
                .put("lora_dropout", 0.0).put("bias", "none").put("fan_in_fan_out", false);
        options.targets().forEach(config.putArray("target_modules")::add);
        json.writeValue(out.resolve("adapter_config.json").toFile(), config);

        List<TensorSpec> specs = new ArrayList<>();
        Map<String, Double> stds = new HashMap<>();
        int r = options.rank();
        for (int l = 0; l < model.numLayers(); l++) {
            for (String module : options.targets()) {
                String prefix = LoraAdapter.tensorPrefix(l, module);
                int in = LoraAdapter.inputSize(model, module);
                double aStd = 1 / Math.sqrt(in);
                // One entry of scale * B A sums r products of independent entries.
                double bStd = RELATIVE_DELTA * baseRms.get(module) / (options.scale() * Math.sqrt(r) * aStd);
                specs.add(new TensorSpec(prefix + "lora_A.weight", r, in));
                specs.add(new TensorSpec(prefix + "lora_B.weight", LoraAdapter.outputSize(model, module), r));
                stds.put(prefix + "lora_A.weight", aStd);
                stds.put(prefix + "lora_B.weight", bStd);
            }
        }
        SplittableRandom random = new SplittableRandom(options.seed());
        SafetensorsWriter.write(out.resolve("adapter_model.safetensors"), specs, false, spec -> {
            double std = stds.get(spec.name());
            return (chunk, n) -> {
                for (int i = 0; i < n; i++) {
                    chunk[i] = (float) (random.nextGaussian() * std);
                }
            };
        });
    }

    /** The root mean square of each target module's weight in the base model's first layer. */
    private static Map<String, Double> baseRms(Path base, List<String> targets) {
        Checkpoint ckpt = new Checkpoint(base);
        Map<String, Double> rms = new HashMap<>();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (String module : targets) {
                try (NDArray w = ckpt.read(LoraAdapter.modulePath(0, module) + ".weight", manager,
                        DataType.FLOAT32)) {
                    rms.put(module, Math.sqrt(w.square().mean().getFloat()));
                }
            }
        }
        return rms;
    }

}
