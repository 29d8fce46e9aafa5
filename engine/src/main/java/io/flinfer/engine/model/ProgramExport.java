package io.flinfer.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.model.SafetensorsWriter.StoredSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes what PyTorch alone needs to run the engine's forward program, so a GPU machine without Java
 * can check it ({@code flinfer model export-program}, {@code tools/gpu-check.py}): the program's
 * archive ({@value #PROGRAM}, the bytes {@link LlamaModel} loads), its weights in
 * {@code setup_weights}' order ({@value #WEIGHTS}, plain tensors: no oneDNN packing, no int8; the program, set
 * up as the manifest says, takes none of the fast paths the load-time check chooses, the fused norm neither) and a
 * manifest ({@value #MANIFEST}) of the model's config, the set-up calls, the KV cache's layout, the
 * forward method's input format, and an example prefill and decode step in that format.
 */
public final class ProgramExport {
    public static final String PROGRAM = "program.pt";
    public static final String WEIGHTS = "weights.safetensors";
    public static final String MANIFEST = "manifest.json";
    /** The example's two prompts differ in length but fill the same two blocks, so that their decode step is a group. */
    private static final int[] EXAMPLE_PROMPTS = {21, 27};
    /** Their block tables: the first in a row (its context read in place), the second not even in order. */
    private static final int[][] EXAMPLE_TABLES = {{5, 6}, {7, 0}};
    private static final int EXAMPLE_BLOCK_SIZE = 16;
    private static final int EXAMPLE_BLOCKS = 8;

    private ProgramExport() {}

    /**
     * Exports the checkpoint in {@code model} computing in {@code dtype} (float32, float16 or bfloat16)
     * into {@code out}, which is created if missing.
     *
     * @param maxPositions the RoPE tables' length, the longest sequence the program can run; 0: the
     *     model's max_position_embeddings
     */
    public static void write(Path model, DataType dtype, int maxPositions, Path out) throws IOException {
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException("model folder not found: " + model);
        }
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16 && dtype != DataType.BFLOAT16) {
            throw new IllegalArgumentException("the program computes in float32, float16 or bfloat16, not " + dtype);
        }
        ModelConfig config = ModelConfig.load(model);
        int positions = maxPositions > 0 ? maxPositions : config.maxPositionEmbeddings();
        int exampleLength = EXAMPLE_PROMPTS[1] + 1;
        if (positions < exampleLength) {
            throw new IllegalArgumentException("max positions " + positions + " is shorter than the manifest's example step ("
                    + exampleLength + " tokens); ask for at least " + exampleLength);
        }
        Files.createDirectories(out);
        Files.write(out.resolve(PROGRAM), ForwardProgram.archive());
        List<String> slotTensors;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            List<NDArray> weights = ProgramWeights.read(config, new Checkpoint(model), positions, dtype, manager);
            slotTensors = writeWeights(weights, WeightLayout.slotNames(config.numLayers()), out.resolve(WEIGHTS));
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.resolve(MANIFEST).toFile(), manifest(json, config, dtype, positions, slotTensors));
    }

    /**
     * Writes each distinct tensor once, under its slot's name (a tied output head is the embedding),
     * and returns the tensor name of every slot, in order: null for an empty slot (an absent bias, norm
     * or matrix), which the program takes as an empty tensor.
     */
    private static List<String> writeWeights(List<NDArray> weights, List<String> slotNames, Path file) throws IOException {
        Map<NDArray, String> written = new IdentityHashMap<>();
        Map<String, NDArray> byName = new LinkedHashMap<>();
        List<StoredSpec> specs = new ArrayList<>();
        List<String> slotTensors = new ArrayList<>();
        for (int slot = 0; slot < weights.size(); slot++) {
            NDArray tensor = weights.get(slot);
            String name = written.get(tensor);
            if (name == null && tensor.size() > 0) {
                name = slotNames.get(slot);
                written.put(tensor, name);
                byName.put(name, tensor);
                specs.add(new StoredSpec(name, storedType(tensor), Bfloat16.logicalShape(tensor).getShape()));
            }
            slotTensors.add(name);
        }
        SafetensorsWriter.writeStored(file, specs, spec -> byName.get(spec.name()).toByteBuffer());
        return slotTensors;
    }

    /** The safetensors dtype of a weight as Java holds it: a uint8 tensor is a bfloat16 carrier. */
    private static String storedType(NDArray tensor) {
        DataType type = tensor.getDataType();
        return switch (type) {
            case FLOAT32 -> "F32";
            case FLOAT16 -> "F16";
            case UINT8 -> "BF16";
            default -> throw new IllegalStateException("unexpected weight type " + type);
        };
    }

    private static ObjectNode manifest(ObjectMapper json, ModelConfig config, DataType dtype, int positions,
            List<String> slotTensors) {
        ObjectNode m = json.createObjectNode();
        m.put("format", "flinfer-forward-program/1");
        m.put("program", PROGRAM);
        m.put("weights_file", WEIGHTS);
        m.put("dtype", dtype.toString()); // DJL's names: float32, float16, bfloat16
        m.put("max_positions", positions);
        m.set("config", json.valueToTree(config));
        m.set("weights", json.valueToTree(slotTensors));
        m.put("weights_note", "setup_weights' first argument: the tensor of weights_file each name gives, in this order"
                + " (null: an empty tensor, torch.empty(0)), in the compute dtype (a float16 or float32 program takes the exported tensors converted); the RoPE"
                + " tables (rope_*) stay float32, the program rounds them.");
        ArrayNode setup = m.putArray("setup");
        for (ForwardProgram.SetupCall call : ForwardProgram.setupCalls(config)) {
            ObjectNode c = setup.addObject();
            c.put("method", call.method());
            c.set("args", json.valueToTree(call.args()));
        }
        m.put("setup_note", "Call each in order after torch.jit.load; setup_weights takes the weight list ahead of its args.");
        ObjectNode cache = m.putObject("kv_cache");
        cache.put("method", "setup_cache");
        cache.put("layers", config.numLayers());
        cache.set("shape", json.valueToTree(List.of(config.numKvHeads(), "num_blocks", "block_size", config.headDim())));
        cache.put("note", "setup_cache(k, v): one K and one V tensor per layer of that shape, zeros, in the compute"
                + " dtype (or another: keys and values are converted as written); the forward program writes them in"
                + " place. A token at position p of a sequence with block table t lives at slot"
                + " t[p // block_size] * block_size + p % block_size.");
        ObjectNode forward = m.putObject("forward");
        forward.put("method", "forward");
        forward.set("args", json.valueToTree(List.of("data", "chunks", "groups", "num_tokens", "num_logits")));
        forward.put("data", "int64 tensor on the device: token ids [T], positions [T], KV slots [T], the rows whose"
                + " logits to return [R], then each chunk's block table and each group's block tables, token rows and"
                + " context lengths, where chunks and groups point. T = num_tokens, R = num_logits.");
        forward.put("chunks", "List[int], 6 per sequence attending alone (a prompt chunk, or a decoding token alone"
                + " with its number of blocks): first token row, query length, context length (cached + new), offset of"
                + " its block table in data, blocks its context fills, and the first of those blocks if they are"
                + " consecutive (each the one before plus 1: the context is then read in place), else -1.");
        forward.put("groups", "List[int], 5 per group of decoding sequences (one token each) whose contexts fill the"
                + " same number of blocks: sequences n, offset of their n block tables in data (n * blocks ints),"
                + " blocks per sequence, offset of their n token rows, offset of their n context lengths.");
        forward.put("returns", "float32 logits [R, vocab], the rows data names.");
        m.set("example", example(json, config));
        return m;
    }

    /**
     * Two prompts prefilled in one step, then one decode step of both, in the forward format, built by
     * the engine's own {@link StepInput.Builder}: a reader can check its own builder against them.
     */
    private static ObjectNode example(ObjectMapper json, ModelConfig config) {
        Random random = new Random(0);
        ObjectNode e = json.createObjectNode();
        e.put("block_size", EXAMPLE_BLOCK_SIZE);
        e.put("num_blocks", EXAMPLE_BLOCKS);
        ArrayNode sequences = e.putArray("sequences");
        StepInput.Builder prefill = StepInput.builder(EXAMPLE_BLOCK_SIZE);
        StepInput.Builder decode = StepInput.builder(EXAMPLE_BLOCK_SIZE);
        for (int s = 0; s < EXAMPLE_PROMPTS.length; s++) {
            int[] prompt = random.ints(EXAMPLE_PROMPTS[s], 0, config.vocabSize()).toArray();
            int next = random.nextInt(config.vocabSize());
            ObjectNode seq = sequences.addObject();
            seq.set("prompt", json.valueToTree(prompt));
            seq.put("decode_token", next);
            seq.set("block_table", json.valueToTree(EXAMPLE_TABLES[s]));
            prefill.add(prompt, 0, EXAMPLE_TABLES[s]);
            decode.add(new int[] {next}, prompt.length, EXAMPLE_TABLES[s]);
        }
        e.set("prefill", step(json, prefill.build()));
        e.set("decode", step(json, decode.build()));
        return e;
    }

    private static ObjectNode step(ObjectMapper json, StepInput input) {
        ObjectNode step = json.createObjectNode();
        step.set("data", json.valueToTree(input.data()));
        step.set("chunks", json.valueToTree(input.chunks()));
        step.set("groups", json.valueToTree(input.groups()));
        step.put("num_tokens", input.numTokens());
        step.put("num_logits", input.numLogits());
        return step;
    }
}
