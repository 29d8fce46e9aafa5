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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.flinfer.engine.model.WeightLayout.Layer;
import java.io.ByteArrayInputStream;
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
    private final StepBuffer stepBuffer;

    private LlamaModel(ModelConfig config, Checkpoint ckpt, int maxPositions, DataType dtype, NDManager manager,
            PathOptions options, UnaryOperator<NDArray> packSource) {
        this.config = config;
        this.dtype = dtype;
        this.manager = manager;
        stepBuffer = new StepBuffer(manager);
        weights = ProgramWeights.read(config, ckpt, maxPositions, dtype, manager);
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
        try (IValue out = run("forward_lora", input, cache, lora, 0)) {
            return out.toTensor((PtNDManager) step);
        }
    }

    /**
     * Runs {@code input} as {@link #forward(StepInput, KvCache, NDManager, LoraBatch)} does and returns
     * the argmax of each logit row instead of the logits: {@code input.numLogits()} token ids.
     */
    public long[] forwardArgmax(StepInput input, KvCache cache, LoraBatch lora) {
        try (IValue out = run("forward_argmax", input, cache, lora, input.numLogits())) {
            return stepBuffer.results(input.numLogits());
        }
    }

    private IValue run(String method, StepInput input, KvCache cache, LoraBatch lora, int results) {
        bind(cache);
        IValue data = stepBuffer.write(input.data(), results);
        try (IValue chunks = IValue.listFrom(input.chunks());
                IValue groups = IValue.listFrom(input.groups());
                IValue tokens = IValue.from((long) input.numTokens());
                IValue logits = IValue.from((long) input.numLogits());
                IValue plan = IValue.listFrom(lora.plan())) {
            return IValueUtils.runMethod(program, method, data, chunks, groups, tokens, logits, plan);
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
        // Each waits for its ids, so for an asynchronous device too.
        forwardArgmax(StepInput.builder(blockSize).add(new int[tokens], 0, table).build(), cache, LoraBatch.NONE);
        forwardArgmax(StepInput.builder(blockSize).add(new int[1], tokens, table).build(), cache, LoraBatch.NONE);
    }

    /** Hands the weights and the shape constants to the program. */
    private void setUpWeights() {
        for (ForwardProgram.SetupCall setup : ForwardProgram.setupCalls(config)) {
            List<IValue> args = new ArrayList<>();
            if (setup.method().equals("setup_weights")) {
                args.add(tensors(weights));
            }
            setup.args().forEach(arg -> args.add(value(arg)));
            call(setup.method(), args.toArray(IValue[]::new));
        }
    }

    private static IValue value(Object arg) {
        if (arg instanceof Long l) {
            return IValue.from(l);
        } else if (arg instanceof Double d) {
            return IValue.from(d);
        } else if (arg instanceof Boolean b) {
            return IValue.from(b);
        } else if (arg instanceof boolean[] flags) {
            return IValue.listFrom(flags);
        }
        throw new IllegalArgumentException("no TorchScript value for set-up argument " + arg);
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

    /** Every RMSNorm takes the fused kernel ({@code fused_rms_norm} in llama.py), or ATen's rms_norm. */
    void setFusedNorm(boolean fused) {
        call("set_fused_norm", IValue.from(fused));
    }

    /**
     * For each of {@code xs}, [largest |fused - rms_norm|, largest |rms_norm|] of its RMSNorm by the
     * norm weight in {@code slot}.
     */
    double[][] compareNorm(int slot, List<NDArray> xs) {
        try (IValue j = IValue.from(slot);
                IValue xv = IValue.listFrom(xs.stream().map(x -> (PtNDArray) x).toArray(PtNDArray[]::new));
                IValue out = IValueUtils.runMethod(program, "compare_norm", j, xv);
                NDArray diff = out.toTensor((PtNDManager) xs.get(0).getManager())) {
            return pairs(diff.toFloatArray(), xs.size());
        }
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

    private static PtSymbolBlock load(PtNDManager manager) {
        try (InputStream in = new ByteArrayInputStream(ForwardProgram.archive())) {
            return JniUtils.loadModule(manager, in, true, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stepBuffer.close();
        manager.close();
    }
}
