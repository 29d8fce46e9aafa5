package io.flinfer.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3) whose forward pass runs a batch of
 * sequences over the paged KV cache and returns the logits of the tokens asked for.
 *
 * <p>The whole forward pass is one compiled TorchScript program ({@code llama.py} next to this
 * class, written into an archive at load and compiled by libtorch): a step is one call into native
 * code instead of hundreds of DJL operator calls, and it reaches operators DJL's NDArray API lacks
 * (fused attention, RMSNorm, SiLU, index_copy_). Weights and the KV cache are handed to the program
 * once; a step sends one int64 tensor and a list of ints ({@link StepInput}).
 */
public final class LlamaModel implements AutoCloseable {
    private static final String SOURCE = resource("llama.py");
    /** A warm-up prompt length that sets up what a real prefill uses. */
    public static final int WARM_UP_TOKENS = 256;

    private final ModelConfig config;
    private final DataType dtype;
    private final NDManager manager;
    private final List<NDArray> weights = new ArrayList<>();
    private final PtSymbolBlock program;
    /** The cache the program holds; another one is handed over before it is used. */
    private KvCache boundCache;

    private LlamaModel(ModelConfig config, Checkpoint ckpt, int maxPositions, DataType dtype, NDManager manager,
            boolean oneDnn) {
        this.config = config;
        this.dtype = dtype;
        this.manager = manager;
        NDArray embedding = ckpt.read("model.embed_tokens.weight", manager, dtype);
        boolean tied = config.tieWordEmbeddings() || !ckpt.has("lm_head.weight");
        weights.add(embedding);
        weights.add(ckpt.read("model.norm.weight", manager, dtype));
        weights.add(tied ? embedding : ckpt.read("lm_head.weight", manager, dtype));
        weights.addAll(List.of(RotaryEmbedding.tables(config, maxPositions, dtype, manager)));
        for (int l = 0; l < config.numLayers(); l++) {
            addLayer(ckpt, l);
        }
        program = load((PtNDManager) manager);
        setUpWeights(oneDnn);
    }

    /**
     * Loads the checkpoint in {@code dir} onto {@code manager}'s device.
     *
     * @param maxPositions the longest sequence the model will see (sizes the RoPE tables)
     */
    public static LlamaModel load(Path dir, int maxPositions, DataType dtype, NDManager manager) {
        return load(dir, maxPositions, dtype, manager, oneDnnByDefault(manager.getDevice(), dtype));
    }

    /**
     * Loads as {@link #load(Path, int, DataType, NDManager)} does, choosing how to multiply.
     *
     * @param oneDnn multiply through oneDNN on weights reordered once (float32 on a CPU only), else
     *     through ATen's {@code linear}
     */
    public static LlamaModel load(Path dir, int maxPositions, DataType dtype, NDManager manager, boolean oneDnn) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        ModelConfig config = ModelConfig.load(dir);
        NDManager own = manager.newSubManager();
        try {
            return new LlamaModel(config, new Checkpoint(dir), maxPositions, dtype, own, oneDnn);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public DataType dtype() {
        return dtype;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * Runs {@code batch}, writing its keys and values into {@code cache}. The result belongs to
     * {@code step}, which the caller closes after reading it.
     *
     * @return float32 logits {@code [batch.logitRows().length, vocab]}
     */
    public NDArray forward(ForwardBatch batch, KvCache cache, NDManager step) {
        bind(cache);
        StepInput input = StepInput.of(batch, cache.blockSize());
        PtNDArray data = (PtNDArray) step.create(input.data());
        try (IValue dataValue = IValue.from(data);
                IValue units = IValue.listFrom(input.units());
                IValue tokens = IValue.from((long) input.numTokens());
                IValue logits = IValue.from((long) input.numLogits());
                IValue out = IValueUtils.runMethod(program, "forward", dataValue, units, tokens, logits)) {
            return out.toTensor((PtNDManager) step);
        }
    }

    /**
     * Runs a prefill of {@code tokens} tokens and one decode step on the first blocks of
     * {@code cache}, so that the first real step does not pay for one-time set-up (thread pools,
     * allocator, the program's first run). Call it before any sequence holds a block: what it
     * writes is overwritten before any sequence reads it.
     */
    public void warmUp(KvCache cache, int tokens) {
        if (tokens < 1) {
            return;
        }
        int blockSize = cache.blockSize();
        int[] table = IntStream.range(0, (tokens + blockSize) / blockSize).toArray();
        int[] positions = IntStream.range(0, tokens).toArray();
        warmUpStep(cache, new ForwardBatch(new int[tokens], positions, positions, new int[] {tokens},
                new int[] {tokens}, new int[][] {table}));
        warmUpStep(cache, new ForwardBatch(new int[1], new int[] {tokens}, new int[] {tokens}, new int[] {1},
                new int[] {tokens + 1}, new int[][] {table}));
    }

    private void warmUpStep(KvCache cache, ForwardBatch batch) {
        try (NDManager step = manager.newSubManager()) {
            // Reading the result waits for an asynchronous device too.
            forward(batch, cache, step).argMax(1).toLongArray();
        }
    }

    /**
     * Hands the weights and the shape constants to the program. On a CPU the program multiplies
     * with copies reordered for oneDNN, so the original matrices are freed (the tied embedding,
     * still looked up, stays). The rest stay referenced here: some alias Java buffers.
     */
    private void setUpWeights(boolean oneDnn) {
        long[] dims = {
            config.numLayers(), config.numHeads(), config.numKvHeads(), config.headDim(), config.intermediateSize(),
            config.qkvBias() ? 1 : 0, config.qkNorm() ? 1 : 0
        };
        try (IValue w = tensors(weights);
                IValue d = IValue.listFrom(dims);
                IValue eps = IValue.from(config.rmsNormEps());
                IValue onednn = IValue.from(oneDnn);
                IValue reordered = IValueUtils.runMethod(program, "setup_weights", w, d, eps, onednn)) {
            NDArray embedding = weights.get(0);
            for (long index : reordered.toLongArray()) {
                NDArray original = weights.get((int) index);
                if (original != embedding) {
                    original.close();
                }
            }
        }
    }

    /**
     * Whether the engine multiplies through oneDNN: for float32 on a CPU, where it beat MKL's sgemm
     * at every batch size measured, unless {@code -Dflinfer.onednn=false} asks for ATen's linear.
     */
    public static boolean oneDnnByDefault(Device device, DataType dtype) {
        return Device.Type.CPU.equals(device.getDeviceType()) && dtype == DataType.FLOAT32
                && Boolean.parseBoolean(System.getProperty("flinfer.onednn", "true"));
    }

    /** Hands {@code cache} to the program, once per cache. */
    private void bind(KvCache cache) {
        if (cache == boundCache) {
            return;
        }
        try (IValue k = tensors(List.of(cache.keys()));
                IValue v = tensors(List.of(cache.values()));
                IValue none = IValueUtils.runMethod(program, "setup_cache", k, v)) {
            boundCache = cache;
        }
    }

    private static IValue tensors(List<NDArray> arrays) {
        return IValue.listFrom(arrays.stream().map(PtNDArray.class::cast).toArray(PtNDArray[]::new));
    }

    /**
     * Adds one layer's weights in the program's order. Hugging Face's {@code [out, in]} matrices are
     * kept as they are (the layout {@code linear} multiplies fastest); q/k/v and gate/up are stacked
     * into one matrix each, so each takes a single multiply.
     */
    private void addLayer(Checkpoint ckpt, int layer) {
        String p = "model.layers." + layer + ".";
        String attn = p + "self_attn.";
        NDArray none = manager.zeros(new Shape(0), dtype);
        weights.add(ckpt.read(p + "input_layernorm.weight", manager, dtype));
        weights.add(stacked(ckpt, attn + "q_proj.weight", attn + "k_proj.weight", attn + "v_proj.weight"));
        weights.add(config.qkvBias() ? stacked(ckpt, attn + "q_proj.bias", attn + "k_proj.bias", attn + "v_proj.bias") : none);
        weights.add(config.qkNorm() ? ckpt.read(attn + "q_norm.weight", manager, dtype) : none);
        weights.add(config.qkNorm() ? ckpt.read(attn + "k_norm.weight", manager, dtype) : none);
        weights.add(ckpt.read(attn + "o_proj.weight", manager, dtype));
        weights.add(ckpt.read(p + "post_attention_layernorm.weight", manager, dtype));
        weights.add(stacked(ckpt, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"));
        weights.add(ckpt.read(p + "mlp.down_proj.weight", manager, dtype));
    }

    private NDArray stacked(Checkpoint ckpt, String... names) {
        NDArray result = ckpt.read(names[0], manager, dtype);
        for (int i = 1; i < names.length; i++) {
            try (NDArray previous = result; NDArray next = ckpt.read(names[i], manager, dtype)) {
                result = previous.concat(next, 0);
            }
        }
        return result;
    }

    private static PtSymbolBlock load(PtNDManager manager) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("training", false);
        for (String list : new String[] {"weights", "k_cache", "v_cache", "dims"}) {
            attributes.put(list, List.of());
        }
        attributes.put("eps", 0.0);
        attributes.put("onednn", false);
        byte[] archive = TorchScriptArchive.write("Llama", SOURCE, attributes);
        try (InputStream in = new ByteArrayInputStream(archive)) {
            return JniUtils.loadModule(manager, in, true, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = LlamaModel.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
