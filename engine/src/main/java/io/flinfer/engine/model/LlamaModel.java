package io.flinfer.engine.model;

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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import io.flinfer.engine.model.WeightLayout.Global;
import io.flinfer.engine.model.WeightLayout.Layer;
import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3, Phi-3, and the mixtures of experts
 * Mixtral, Qwen2-MoE and Qwen3-MoE) whose forward pass runs a batch of
 * sequences over the paged KV cache and returns the logits of the tokens asked for.
 *
 * <p>The whole forward pass is one compiled TorchScript program ({@code llama.py} next to this
 * class, written into an archive at load and compiled by libtorch): a step is one call into native
 * code instead of hundreds of DJL operator calls, and it reaches operators DJL's NDArray API lacks
 * (fused attention, RMSNorm, SiLU, index_copy_). Weights and the KV cache are handed to the program
 * once; a step sends one int64 tensor and a list of ints ({@link StepInput}).
 *
 * <p>The compute dtype is float32, float16 or bfloat16; bfloat16 weights and caches cross DJL as
 * their bytes ({@link Bfloat16}). Logits are float32 whatever the compute dtype.
 */
public final class LlamaModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaModel.class);
    private static final String SOURCE = WeightLayout.programSource() + resource("llama.py");
    /** A warm-up prompt length that sets up what a real prefill uses. */
    public static final int WARM_UP_TOKENS = 256;

    private final ModelConfig config;
    private final DataType dtype;
    private final NDManager manager;
    /** The program's weights, in {@link WeightLayout}'s slots. */
    private final List<NDArray> weights;
    /** The slots of the matrices this model has that may take a fast path. */
    private final int[] matrixSlots;
    private final PtSymbolBlock program;
    private final ComputePaths paths;
    /** The cache the program holds; another one is handed over before it is used. */
    private KvCache boundCache;

    private LlamaModel(ModelConfig config, Checkpoint ckpt, int maxPositions, DataType dtype, NDManager manager,
            PathOptions options, UnaryOperator<NDArray> packSource) {
        this.config = config;
        this.dtype = dtype;
        this.manager = manager;
        WeightLayout layout = new WeightLayout(config.numLayers());
        NDArray embedding = ckpt.read("model.embed_tokens.weight", manager, dtype);
        boolean tied = config.tieWordEmbeddings() || !ckpt.has("lm_head.weight");
        layout.put(Global.EMBEDDING, embedding);
        layout.put(Global.FINAL_NORM, norm(ckpt, "model.norm.weight"));
        layout.put(Global.LM_HEAD, tied ? embedding : ckpt.read("lm_head.weight", manager, dtype));
        // In float32: the program rounds them to the compute dtype (DJL holds no bfloat16 to round to).
        NDArray[] rope = RotaryEmbedding.tables(config, maxPositions, DataType.FLOAT32, manager);
        layout.put(Global.ROPE_COS, rope[0]);
        layout.put(Global.ROPE_SIN, rope[1]);
        NDArray[] localRope = config.gemma() != null ? RotaryEmbedding.localTables(config, maxPositions, DataType.FLOAT32, manager) : rope;
        layout.put(Global.ROPE_LOCAL_COS, localRope[0]);
        layout.put(Global.ROPE_LOCAL_SIN, localRope[1]);
        for (int l = 0; l < config.numLayers(); l++) {
            putLayer(layout, ckpt, l);
        }
        weights = layout.toList();
        matrixSlots = IntStream.of(WeightLayout.matrixSlots(config.numLayers()))
                .filter(slot -> weights.get(slot).size() > 0).toArray();
        program = load((PtNDManager) manager);
        setUpWeights();
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
     * Runs {@code input}, writing its keys and values into {@code cache} (whose block size it was
     * built for). The result belongs to {@code step}, which the caller closes after reading it.
     *
     * @return float32 logits {@code [input.numLogits(), vocab]}
     */
    public NDArray forward(StepInput input, KvCache cache, NDManager step) {
        return forward(input, cache, step, LoraBatch.NONE);
    }

    /**
     * Runs {@code input} as {@link #forward(StepInput, KvCache, NDManager)} does, the rows of
     * {@code lora} with the adapters in their slots ({@link #setLora}).
     */
    public NDArray forward(StepInput input, KvCache cache, NDManager step, LoraBatch lora) {
        bind(cache);
        PtNDArray data = (PtNDArray) step.create(input.data());
        try (IValue dataValue = IValue.from(data);
                IValue chunks = IValue.listFrom(input.chunks());
                IValue groups = IValue.listFrom(input.groups());
                IValue tokens = IValue.from((long) input.numTokens());
                IValue logits = IValue.from((long) input.numLogits());
                IValue plan = IValue.listFrom(lora.plan());
                IValue out = IValueUtils.runMethod(program, "forward_lora", dataValue, chunks, groups, tokens, logits,
                        plan)) {
            return out.toTensor((PtNDManager) step);
        }
    }

    /** Makes room in the program for {@code maxLoras} adapters in one step; call once, before {@link #setLora}. */
    public void setUpLora(int maxLoras) {
        call("setup_lora", IValue.from(maxLoras));
    }

    /** Puts {@code adapter}'s matrices into program slot {@code slot}; the adapter must outlive its use there. */
    public void setLora(int slot, LoraAdapter adapter) {
        call("set_lora", IValue.from(slot), tensors(adapter.a()), tensors(adapter.b()));
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
        warmUpStep(cache, StepInput.builder(blockSize).add(new int[tokens], 0, table).build());
        warmUpStep(cache, StepInput.builder(blockSize).add(new int[1], tokens, table).build());
    }

    private void warmUpStep(KvCache cache, StepInput input) {
        try (NDManager step = manager.newSubManager()) {
            // Reading the result waits for an asynchronous device too.
            forward(input, cache, step).argMax(1).toLongArray();
        }
    }

    /** Hands the weights and the shape constants to the program. */
    private void setUpWeights() {
        try (IValue w = tensors(weights);
                IValue layers = IValue.from((long) config.numLayers());
                IValue heads = IValue.from((long) config.numHeads());
                IValue kvHeads = IValue.from((long) config.numKvHeads());
                IValue headDim = IValue.from((long) config.headDim());
                IValue qkvBias = IValue.from(config.qkvBias());
                IValue qkNorm = IValue.from(config.qkNorm());
                IValue eps = IValue.from(config.rmsNormEps());
                IValue none = IValueUtils.runMethod(program, "setup_weights", w, layers, heads, kvHeads, headDim,
                        qkvBias, qkNorm, eps)) {
            // Returns None.
        }
        if (config.moe() != null) {
            call("setup_experts", IValue.from((long) config.moe().topK()), IValue.from(config.moe().normTopkProb()));
        }
        ModelConfig.Gemma g = config.gemma();
        if (g != null) {
            call("setup_gemma", IValue.from(Math.sqrt(config.hiddenSize())),
                    IValue.from(Math.sqrt(config.headDim() / g.queryPreAttnScalar())), IValue.from(g.attnSoftcap()),
                    IValue.from(g.finalSoftcap()));
        }
        ModelConfig.SlidingWindow window = config.slidingWindow();
        if (window != null) {
            call("setup_window", IValue.from((long) window.size()), IValue.listFrom(window.layers()));
        }
    }

    // The fast-path controls FastPathCheck drives.

    int[] matrixSlots() {
        return matrixSlots;
    }

    NDArray weight(int slot) {
        return weights.get(slot);
    }

    /** Weight {@code slot}'s shape, output x input (a bfloat16 carrier's bytes counted as values). */
    Shape weightShape(int slot) {
        return Bfloat16.logicalShape(weights.get(slot));
    }

    /** Weight {@code slot} multiplies as int8 with a scale per output channel, quantized from the weight. */
    void quantizeInt8(int slot) {
        call("quantize_int8", IValue.from(slot));
    }

    /**
     * Weight {@code slot} multiplies as int8 with a scale per output channel through fbgemm's dynamic
     * product, which quantizes each input to 8 bits ({@code sevenBits}: 7) as it multiplies (CPU only).
     */
    void quantizeInt8Dynamic(int slot, boolean sevenBits) {
        call("quantize_int8_dynamic", IValue.from(slot), IValue.from(sevenBits));
    }

    /** Weight {@code slot} multiplies through oneDNN, on {@code source} reordered once. */
    void pack(int slot, NDArray source) {
        call("pack", IValue.from(slot), IValue.from((PtNDArray) source), IValue.from((long) FastPathCheck.BATCH_HINT));
    }

    /**
     * Expert {@code expert} of sparse layer {@code layer} multiplies by its gate+up ({@code matrix} 0)
     * or its down (1) through oneDNN, on {@code source} reordered once.
     */
    void packExpert(int layer, int expert, int matrix, NDArray source) {
        call("pack_expert", IValue.from(layer), IValue.from(expert), IValue.from(matrix), IValue.from((PtNDArray) source),
                IValue.from((long) FastPathCheck.BATCH_HINT));
    }

    /** Expert {@code expert}'s gate+up (matrix 0) or down (1) of sparse layer {@code layer}, as loaded. */
    NDArray expertWeight(int layer, int expert, int matrix) {
        return weights.get(WeightLayout.slot(layer, matrix == 0 ? Layer.EXPERT_GATE_UP : Layer.EXPERT_DOWN)).get(expert);
    }

    /** Every expert multiplies through ATen's linear again. */
    void unpackExperts() {
        call("unpack_experts");
    }

    /** The experts multiply only on their fast path from now on: the stacked originals are freed. */
    void forgetExpertReferences() {
        call("forget_expert_references");
        for (int l = 0; l < config.numLayers(); l++) {
            if (config.sparse(l)) {
                weights.get(WeightLayout.slot(l, Layer.EXPERT_GATE_UP)).close();
                weights.get(WeightLayout.slot(l, Layer.EXPERT_DOWN)).close();
            }
        }
    }

    /** {@link #compareLinear} for expert 0 of sparse layer {@code layer}'s gate+up (matrix 0) or down (1), all outputs. */
    double[][] compareExpert(int layer, int matrix, List<NDArray> xs) {
        try (IValue l = IValue.from(layer);
                IValue m = IValue.from(matrix);
                IValue xv = IValue.listFrom(xs.stream().map(x -> (PtNDArray) x).toArray(PtNDArray[]::new));
                IValue out = IValueUtils.runMethod(program, "compare_expert", l, m, xv);
                NDArray diff = out.toTensor((PtNDManager) xs.get(0).getManager())) {
            return pairs(diff.toFloatArray(), xs.size());
        }
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

    /**
     * For each of {@code xs}, [largest |fast - reference|, largest |reference|] of its product with a
     * weight, over {@code sampleRuns} runs of 64 consecutive outputs spread from the first to the last
     * (0: all).
     */
    double[][] compareLinear(int slot, List<NDArray> xs, int sampleRuns) {
        try (IValue j = IValue.from(slot);
                IValue xv = IValue.listFrom(xs.stream().map(x -> (PtNDArray) x).toArray(PtNDArray[]::new));
                IValue sv = IValue.from(sampleRuns);
                IValue out = IValueUtils.runMethod(program, "compare_linear", j, xv, sv);
                NDArray diff = out.toTensor((PtNDManager) xs.get(0).getManager())) {
            return pairs(diff.toFloatArray(), xs.size());
        }
    }

    private static double[][] pairs(float[] values, int n) {
        double[][] pairs = new double[n][];
        for (int i = 0; i < n; i++) {
            pairs[i] = new double[] {values[2 * i], values[2 * i + 1]};
        }
        return pairs;
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
     * Puts one layer's weights in their slots. Hugging Face's {@code [out, in]} matrices are kept as
     * they are (the layout {@code linear} multiplies fastest); q/k/v and gate/up are stacked into one
     * matrix each, so each takes a single multiply (Phi-3's checkpoints hold them stacked already).
     */
    private void putLayer(WeightLayout layout, Checkpoint ckpt, int layer) {
        String p = "model.layers." + layer + ".";
        String attn = p + "self_attn.";
        NDArray none = manager.zeros(new Shape(0), Bfloat16.javaType(dtype));
        layout.put(layer, Layer.INPUT_NORM, norm(ckpt, p + "input_layernorm.weight"));
        layout.put(layer, Layer.QKV, ckpt.has(attn + "qkv_proj.weight") ? ckpt.read(attn + "qkv_proj.weight", manager, dtype)
                : stacked(ckpt, attn + "q_proj.weight", attn + "k_proj.weight", attn + "v_proj.weight"));
        layout.put(layer, Layer.QKV_BIAS, config.qkvBias()
                ? stacked(ckpt, attn + "q_proj.bias", attn + "k_proj.bias", attn + "v_proj.bias") : none);
        layout.put(layer, Layer.Q_NORM, config.qkNorm() ? norm(ckpt, attn + "q_norm.weight") : none);
        layout.put(layer, Layer.K_NORM, config.qkNorm() ? norm(ckpt, attn + "k_norm.weight") : none);
        layout.put(layer, Layer.O, ckpt.read(attn + "o_proj.weight", manager, dtype));
        boolean gemma = config.gemma() != null;
        // Gemma normalizes the attention output with post_attention_layernorm, the MLP's input with
        // pre_feedforward_layernorm; Llama's post_attention_layernorm is the MLP's input norm.
        layout.put(layer, Layer.POST_NORM,
                norm(ckpt, p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight")));
        layout.put(layer, Layer.ATTN_OUT_NORM, gemma ? norm(ckpt, p + "post_attention_layernorm.weight") : none);
        layout.put(layer, Layer.MLP_OUT_NORM, gemma ? norm(ckpt, p + "post_feedforward_layernorm.weight") : none);
        if (config.sparse(layer)) {
            layout.put(layer, Layer.GATE_UP, none);
            layout.put(layer, Layer.DOWN, none);
            ExpertWeights.put(layout, layer, ckpt, config, manager, dtype);
            return;
        }
        layout.put(layer, Layer.GATE_UP, ckpt.has(p + "mlp.gate_up_proj.weight")
                ? ckpt.read(p + "mlp.gate_up_proj.weight", manager, dtype)
                : stacked(ckpt, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"));
        layout.put(layer, Layer.DOWN, ckpt.read(p + "mlp.down_proj.weight", manager, dtype));
        for (Layer absent : ExpertWeights.SLOTS) {
            layout.put(layer, absent, none);
        }
    }

    /**
     * An RMSNorm's weight as the program multiplies by it: Gemma's {@code 1 + w} is added here, once,
     * in float32 as transformers adds it (a bfloat16 weight is a carrier of raw bytes, see
     * {@link Bfloat16}), then rounded to the compute dtype.
     */
    private NDArray norm(Checkpoint ckpt, String name) {
        if (config.gemma() == null) {
            return ckpt.read(name, manager, dtype);
        }
        try (NDArray weight = ckpt.read(name, manager, DataType.FLOAT32); NDArray onePlus = weight.add(1f)) {
            if (dtype == DataType.BFLOAT16) {
                return Bfloat16.carrier(onePlus.toFloatArray(), onePlus.getShape(), manager);
            }
            return onePlus.toType(dtype, true);
        }
    }

    private NDArray stacked(Checkpoint ckpt, String... names) {
        return stacked(ckpt, manager, dtype, names);
    }

    /** The named tensors concatenated along their first dimension. */
    static NDArray stacked(Checkpoint ckpt, NDManager manager, DataType dtype, String... names) {
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
        for (String list : new String[] {"weights", "fast", "use_fast", "int8", "scales", "int8_dynamic", "packed", "k_cache",
                "v_cache", "lora_a", "lora_b", "lora_plan", "expert_fast"}) {
            attributes.put(list, List.of());
        }
        for (String size : new String[] {"layers", "heads", "kv_heads", "head_dim", "intermediate", "max_layers"}) {
            attributes.put(size, 0);
        }
        attributes.put("has_qkv_bias", false);
        attributes.put("has_qk_norm", false);
        attributes.put("eps", 0.0);
        attributes.put("top_k", 0);
        attributes.put("norm_topk_prob", false);
        attributes.put("embed_scale", 1.0);
        attributes.put("query_scale", 1.0);
        attributes.put("attn_softcap", 0.0);
        attributes.put("final_softcap", 0.0);
        attributes.put("window", 0);
        attributes.put("sliding", List.of());
        attributes.put("local_rope", false);
        attributes.put("use_expert_fast", false);
        attributes.put("gelu", false);
        attributes.put("reference", false);
        attributes.put("int8_seven_bits", false);
        attributes.put("math_attention", false);
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
