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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(LlamaModel.class);
    private static final String SOURCE = resource("llama.py");
    /** A warm-up prompt length that sets up what a real prefill uses. */
    public static final int WARM_UP_TOKENS = 256;

    private final ModelConfig config;
    private final DataType dtype;
    private final NDManager manager;
    private final List<NDArray> weights = new ArrayList<>();
    private final PtSymbolBlock program;
    /** Slots of the weights the step multiplies by, in the program's weight list. */
    private final long[] matrixSlots;
    private final ComputePaths paths;
    /** The cache the program holds; another one is handed over before it is used. */
    private KvCache boundCache;

    private LlamaModel(ModelConfig config, Checkpoint ckpt, int maxPositions, DataType dtype, NDManager manager,
            PathOptions options, UnaryOperator<NDArray> packSource) {
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
        matrixSlots = setUpWeights();
        paths = FastPathCheck.choose(this, options, packSource);
        LOG.info("{}: {}", config.modelType(), paths.summary());
    }

    /**
     * Loads the checkpoint in {@code dir} onto {@code manager}'s device.
     *
     * @param maxPositions the longest sequence the model will see (sizes the RoPE tables)
     */
    public static LlamaModel load(Path dir, int maxPositions, DataType dtype, NDManager manager) {
        return load(dir, maxPositions, dtype, manager,
                PathOptions.defaults(manager.getDevice(), dtype, PathOptions.DEFAULT_LARGEST_BATCH));
    }

    /**
     * Loads as {@link #load(Path, int, DataType, NDManager)} does, with the fast paths {@code options}
     * allow, each of which serves only if it agrees with ATen's plain ops on this machine.
     */
    public static LlamaModel load(Path dir, int maxPositions, DataType dtype, NDManager manager, PathOptions options) {
        return load(dir, maxPositions, dtype, manager, options, UnaryOperator.identity());
    }

    /**
     * Loads with oneDNN packing {@code packSource} of each weight instead of the weight: the test that
     * proves the load-time check catches a wrong fast path hands it a perturbed copy.
     */
    static LlamaModel load(Path dir, int maxPositions, DataType dtype, NDManager manager, PathOptions options,
            UnaryOperator<NDArray> packSource) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        ModelConfig config = ModelConfig.load(dir);
        NDManager own = manager.newSubManager();
        try {
            return new LlamaModel(config, new Checkpoint(dir), maxPositions, dtype, own, options, packSource);
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

    /** The kernels this model computes with, and the checks that chose them. */
    public ComputePaths paths() {
        return paths;
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
     * Hands the weights and the shape constants to the program.
     *
     * @return the slots of the matrices the step multiplies by
     */
    private long[] setUpWeights() {
        long[] dims = {
            config.numLayers(), config.numHeads(), config.numKvHeads(), config.headDim(), config.intermediateSize(),
            config.qkvBias() ? 1 : 0, config.qkNorm() ? 1 : 0
        };
        try (IValue w = tensors(weights);
                IValue d = IValue.listFrom(dims);
                IValue eps = IValue.from(config.rmsNormEps());
                IValue matrices = IValueUtils.runMethod(program, "setup_weights", w, d, eps)) {
            return matrices.toLongArray();
        }
    }

    // The fast-path controls FastPathCheck drives.

    int[] matrixSlots() {
        return Arrays.stream(matrixSlots).mapToInt(slot -> (int) slot).toArray();
    }

    NDArray weight(int slot) {
        return weights.get(slot);
    }

    /** Weight {@code slot} multiplies through oneDNN, on {@code source} reordered once. */
    void pack(int slot, NDArray source) {
        call("pack", IValue.from(slot), IValue.from((PtNDArray) source), IValue.from((long) FastPathCheck.BATCH_HINT));
    }

    /** Weight {@code slot} multiplies through ATen's linear again. */
    void unpack(int slot) {
        call("unpack", IValue.from(slot));
    }

    /**
     * Weight {@code slot} multiplies only on its fast path from now on: the original is freed (the
     * embedding, also looked up, stays). The reference path is gone with it.
     */
    void forgetReference(int slot) {
        call("forget_reference", IValue.from(slot));
        NDArray original = weights.get(slot);
        if (original != weights.get(0)) {
            original.close();
        }
    }

    /** While {@code reference}, every product takes ATen's linear and attention its math kernel. */
    void setReference(boolean reference) {
        call("set_reference", IValue.from(reference));
    }

    void setMathAttention(boolean math) {
        call("set_math_attention", IValue.from(math));
    }

    /** Steps run only the first {@code layers} layers; 0 restores all. */
    void setMaxLayers(int layers) {
        call("set_max_layers", IValue.from(layers));
    }

    /** {@code [max |fast - reference|, max |reference|]} of {@code x} times weight {@code slot}. */
    double[] compareLinear(int slot, NDArray x) {
        try (IValue j = IValue.from(slot); IValue xv = IValue.from((PtNDArray) x);
                IValue out = IValueUtils.runMethod(program, "compare_linear", j, xv);
                NDArray diff = out.toTensor((PtNDManager) x.getManager())) {
            float[] values = diff.toFloatArray();
            return new double[] {values[0], values[1]};
        }
    }

    private void call(String method, IValue... args) {
        try (IValue result = IValueUtils.runMethod(program, method, args)) {
            // Each method returns None.
        } finally {
            for (IValue arg : args) {
                arg.close();
            }
        }
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
        for (String list : new String[] {"weights", "fast", "use_fast", "k_cache", "v_cache", "dims"}) {
            attributes.put(list, List.of());
        }
        attributes.put("eps", 0.0);
        attributes.put("reference", false);
        attributes.put("math_attention", false);
        attributes.put("max_layers", 0);
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
