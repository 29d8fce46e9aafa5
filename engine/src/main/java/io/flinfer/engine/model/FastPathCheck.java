package io.flinfer.engine.model;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a model's compute paths by checking each fast path against ATen's plain ops on the machine
 * that will run it, before the first request. A kernel that is fast on one CPU can be wrong on the
 * next (oneDNN's avx512 inner product on weights whose output size its blocked layout pads was wrong
 * on AMD Zen 5, see docs/architecture.md), so nothing is trusted because it passed elsewhere.
 *
 * <ul>
 *   <li>Each weight shape's fast product (oneDNN's, or the int8 kernel's under {@code --quantization
 *       int8}, compared with the unquantized product) is compared with {@code linear} on that shape's first
 *       matrix (the layout, and so the kernel, depends on the shape and the CPU only), at 1 row, an
 *       odd count, and the largest decode batch up to 65 rows (a full 64-row block and a tail).
 *       The fast product runs whole, as it will serve; the reference computes a sample of the
 *       outputs of a large matrix ({@link #sampleRuns}), so checking a 1B model's vocabulary
 *       head costs little more than one decode step's head. A shape that disagrees multiplies
 *       through {@code linear}.
 *   <li>A mixture of experts' expert matrices (each expert packed apart, see {@code pack_expert} in
 *       llama.py) are checked the same way, on the first sparse layer's expert 0 for each of gate+up
 *       and down; if either disagrees, every expert multiplies through {@code linear}. Under int8
 *       the experts stay unquantized on {@code linear}.
 *   <li>The fused RMSNorm (one layer_norm kernel, see {@code fused_rms_norm} in llama.py) is compared with
 *       ATen's rms_norm on each norm width the model has; if any disagrees, every norm takes rms_norm.
 *   <li>Then one short forward step (two layers or one of each kind, {@link #stepLayers}; prompt chunks whole and after cached tokens, single
 *       and grouped decoding) runs on the chosen paths and on the reference (every product
 *       {@code linear}, attention ATen's math kernel). If they disagree, attention falls back to the math kernel;
 *       if that does not settle it, every product falls back to {@code linear}.
 * </ul>
 *
 * Each fallback logs one WARN that names the path, the shape and the error.
 */
final class FastPathCheck {
    private static final Logger LOG = LoggerFactory.getLogger(FastPathCheck.class);
    /** oneDNN's layout hint: the batch size the blocked weight layout is chosen for. */
    static final int BATCH_HINT = 64;
    private static final int MAX_CHECK_ROWS = 65;
    private static final int STEP_BLOCK_SIZE = 4;
    /** Runs of consecutive outputs the reference computes of a large matrix, and each run's length. */
    private static final int SAMPLE_RUNS = 16;
    static final int SAMPLE_RUN_LENGTH = 64;

    private final LlamaModel model;
    private final Random random = new Random(1);
    private final List<PathCheck> checks = new ArrayList<>();
    /** The largest relative error accepted of one product, and of a forward step's logits. */
    private final double tolerance;
    private final double stepTolerance;
    /** The products' fast path: {@link ComputePaths#ONEDNN}, {@link ComputePaths#INT8_DYNAMIC} or {@link ComputePaths#INT8}. */
    private final String linearPath;
    /** What the log calls one of its products. */
    private final String productName;

    private FastPathCheck(LlamaModel model, PathOptions options) {
        this.model = model;
        boolean cpu = !model.manager().getDevice().isGpu();
        this.linearPath = !options.int8() ? ComputePaths.ONEDNN
                : cpu && !options.int8WeightOnly() ? ComputePaths.INT8_DYNAMIC : ComputePaths.INT8;
        this.productName = switch (linearPath) {
            case ComputePaths.INT8_DYNAMIC -> "fbgemm's dynamic int8 product";
            case ComputePaths.INT8 -> "ATen's int8-weight product";
            default -> "oneDNN's inner product";
        };
        this.tolerance = options.int8() ? INT8_TOLERANCE : tolerance(model.dtype());
        this.stepTolerance = options.int8() ? INT8_STEP_TOLERANCE : tolerance;
    }

    /**
     * Packs every matrix for oneDNN when {@code options} ask for it, checks, and keeps what passed.
     *
     * @param packSource the matrix oneDNN packs for a weight: the weight itself, except in the test
     *     that proves a wrong fast path is caught
     */
    static ComputePaths choose(LlamaModel model, PathOptions options, UnaryOperator<NDArray> packSource) {
        FastPathCheck check = new FastPathCheck(model, options);
        Map<Shape, List<Integer>> packed = options.int8() ? check.quantizeAll()
                : options.oneDnn() ? check.packAll(packSource) : Map.of();
        boolean experts = !packed.isEmpty() && !options.int8() && check.packExperts(packSource);
        long start = System.nanoTime();
        List<Integer> fast = check.keepShapesThatAgree(packed, options);
        experts = experts && check.expertsAgree(options);
        String norm = check.chooseNorm(options);
        String attention = ComputePaths.SDPA_FUSED;
        if (!check.stepAgrees(fast, attention)) {
            // Which path is wrong: the products (if the step still disagrees on the math kernel) or attention.
            PathCheck failed = check.lastCheck();
            model.setMathAttention(true);
            if (!fast.isEmpty() && !check.stepAgrees(fast, ComputePaths.SDPA_MATH)) {
                LOG.warn("A forward step on {}s disagrees with the reference on this machine ({}): every "
                        + "product falls back to ATen's linear.", check.productName, check.lastCheck());
                fast.forEach(model::unpack);
                fast = List.of();
                if (experts) {
                    model.unpackExperts();
                    experts = false;
                }
                model.setMathAttention(false);
                if (!check.stepAgrees(fast, attention)) {
                    attention = check.fallBackToMathAttention(check.lastCheck());
                }
            } else {
                attention = check.fallBackToMathAttention(failed);
            }
        }
        fast.forEach(model::forgetReference);
        if (experts) {
            model.forgetExpertReferences();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Device device = model.manager().getDevice();
        return new ComputePaths(device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu", model.dtype().toString(),
                check.linearPath(options, fast, experts), attention, norm, List.copyOf(check.checks), seconds);
    }

    /** The first sparse layer; -1 in a dense model. */
    private int firstSparseLayer() {
        for (int l = 0; l < model.config().numLayers(); l++) {
            if (model.config().sparse(l)) {
                return l;
            }
        }
        return -1;
    }

    /** Packs every expert's gate+up and down for oneDNN; false in a dense model. */
    private boolean packExperts(UnaryOperator<NDArray> packSource) {
        if (firstSparseLayer() < 0) {
            return false;
        }
        for (int l = 0; l < model.config().numLayers(); l++) {
            if (!model.config().sparse(l)) {
                continue;
            }
            for (int e = 0; e < model.config().moe().numExperts(); e++) {
                for (int m = 0; m < 2; m++) {
                    try (NDArray weight = model.expertWeight(l, e, m)) {
                        NDArray source = packSource.apply(weight);
                        try {
                            model.packExpert(l, e, m, source);
                        } catch (EngineException failure) {
                            LOG.warn("oneDNN cannot pack the experts' {} weights on this CPU: every expert multiplies "
                                    + "through ATen's linear.", model.dtype());
                            model.unpackExperts();
                            return false;
                        } finally {
                            if (source != weight) {
                                source.close();
                            }
                        }
                    }
                }
            }
        }
        return true;
    }

    /**
     * Checks the experts' gate+up and down products on the first sparse layer's expert 0; if either
     * disagrees, every expert multiplies through linear.
     */
    private boolean expertsAgree(PathOptions options) {
        int layer = firstSparseLayer();
        int[] rows = checkRows(options);
        String rowText = rowText(rows);
        for (int m = 0; m < 2; m++) {
            long start = System.nanoTime();
            Shape shape;
            try (NDArray weight = model.expertWeight(layer, 0, m)) {
                shape = Bfloat16.logicalShape(weight);
            }
            int matrix = m;
            double error = largestError(shape.get(1), rows, xs -> model.compareExpert(layer, matrix, xs));
            PathCheck result = record(new PathCheck(linearPath, ComputePaths.LINEAR_SUBJECT + shape.get(0) + "x"
                    + shape.get(1) + ComputePaths.EXPERTS_SUFFIX, rowText, error, tolerance, millisSince(start)));
            if (!result.passed()) {
                LOG.warn("{} disagrees with ATen's linear on this machine for expert weights of shape {} x {}"
                        + " (relative error {} at rows {}, tolerance {}): every expert multiplies through ATen's linear.",
                        productName, shape.get(0), shape.get(1), String.format("%.2g", result.error()), result.rows(),
                        result.tolerance());
                model.unpackExperts();
                return false;
            }
        }
        return true;
    }

    /**
     * Turns on the fused RMSNorm where it agrees with ATen's rms_norm at every norm width the model has
     * (its hidden size, and its head size where queries and keys are normed), at the products' rows;
     * otherwise every norm stays rms_norm.
     */
    private String chooseNorm(PathOptions options) {
        int[] rows = checkRows(options);
        String rowText = rowText(rows);
        double normTolerance = tolerance(model.dtype());
        for (WeightLayout.Layer norm : List.of(WeightLayout.Layer.INPUT_NORM, WeightLayout.Layer.Q_NORM)) {
            int slot = WeightLayout.slot(0, norm);
            long width = model.weightShape(slot).get(0);
            if (width == 0) {
                continue; // no norm of queries and keys in this model
            }
            long start = System.nanoTime();
            double error = largestError(width, rows, xs -> model.compareNorm(slot, xs));
            PathCheck result = record(new PathCheck(ComputePaths.FUSED_NORM, "norm " + width, rowText, error, normTolerance,
                    millisSince(start)));
            if (!result.passed()) {
                LOG.warn("The fused RMSNorm disagrees with ATen's rms_norm on this machine ({}): every norm takes rms_norm.",
                        result);
                return ComputePaths.RMS_NORM;
            }
        }
        model.setFusedNorm(true);
        return ComputePaths.FUSED_NORM;
    }

    private String fallBackToMathAttention(PathCheck failed) {
        LOG.warn("ATen's fused attention disagrees with its math kernel on this machine ({}): attention falls back to "
                + "the math kernel.", failed);
        model.setMathAttention(true);
        return ComputePaths.SDPA_MATH;
    }

    private PathCheck lastCheck() {
        return checks.get(checks.size() - 1);
    }

    /**
     * Largest accepted error of int8 products, relative to the unquantized reference's largest
     * magnitude: per-channel int8 rounding alone is about 1e-2 on random weights (fbgemm's 7-bit
     * activations add about as much again), a wrong kernel 1.
     */
    static final double INT8_TOLERANCE = 3e-2;
    /**
     * The same for a forward step's hidden states, where a random model's layers amplify the rounding
     * of every product (to about 9e-2 measured through two layers); a wrong kernel is still 1.
     */
    static final double INT8_STEP_TOLERANCE = 0.2;
    /** The int8 kernel's input sizes: 64, 128, 768, 2048 served; 172 aborted the process. */
    private static final int INT8_INPUT_MULTIPLE = 32;

    /** Largest accepted error relative to the reference's largest magnitude, per compute dtype. */
    static double tolerance(DataType dtype) {
        return switch (dtype) {
            case FLOAT32, FLOAT64 -> 1e-3;
            case FLOAT16 -> 1e-2;
            default -> 3e-2;
        };
    }

    /**
     * Packs every matrix for oneDNN; returns their slots by shape, or none where oneDNN cannot pack
     * this dtype on this CPU (bfloat16 needs AVX-512 or AVX-NE-CONVERT).
     */
    private Map<Shape, List<Integer>> packAll(UnaryOperator<NDArray> packSource) {
        Map<Shape, List<Integer>> byShape = new LinkedHashMap<>();
        for (int slot : model.matrixSlots()) {
            NDArray source = packSource.apply(model.weight(slot));
            try {
                model.pack(slot, source);
            } catch (EngineException e) {
                LOG.warn("oneDNN cannot pack {} weights on this CPU ({}): every product multiplies through ATen's linear.",
                        model.dtype(), e.getMessage().lines().filter(l -> l.contains("Error")).findFirst().orElse(""));
                byShape.values().forEach(slots -> slots.forEach(model::unpack));
                return Map.of();
            } finally {
                if (source != model.weight(slot)) {
                    source.close();
                }
            }
            byShape.computeIfAbsent(model.weightShape(slot), s -> new ArrayList<>()).add(slot);
        }
        return byShape;
    }

    /**
     * Quantizes every matrix whose input size the int8 kernel takes to int8; returns their slots by
     * shape. The others keep their dtype, named once per shape. fbgemm's dynamic product takes every
     * shape; ATen's weight-only kernel input sizes that are multiples of 32.
     */
    private Map<Shape, List<Integer>> quantizeAll() {
        Map<Shape, List<Integer>> byShape = new LinkedHashMap<>();
        Map<Shape, Integer> refused = new LinkedHashMap<>();
        boolean dynamic = linearPath.equals(ComputePaths.INT8_DYNAMIC);
        for (int slot : model.matrixSlots()) {
            Shape shape = model.weightShape(slot);
            if (dynamic) {
                byShape.computeIfAbsent(shape, s -> new ArrayList<>()).add(slot);
                model.quantizeInt8Dynamic(slot, !CpuFeatures.hasInt8DotProducts());
                continue;
            }
            if (shape.get(1) % INT8_INPUT_MULTIPLE != 0) {
                refused.merge(shape, 1, Integer::sum);
                continue;
            }
            byShape.computeIfAbsent(shape, s -> new ArrayList<>()).add(slot);
            model.quantizeInt8(slot);
        }
        refused.forEach((shape, count) -> LOG.warn("ATen's int8-weight product takes input sizes that are multiples of {}"
                + " (its kernel aborted on 172 here): weights of shape {} x {} ({} matrices) stay {}.", INT8_INPUT_MULTIPLE,
                shape.get(0), shape.get(1), count, model.dtype()));
        return byShape;
    }

    /** Keeps the fast path of each shape whose check passed; the others multiply through linear. */
    private List<Integer> keepShapesThatAgree(Map<Shape, List<Integer>> byShape, PathOptions options) {
        int[] rows = checkRows(options);
        List<Integer> fast = new ArrayList<>();
        byShape.forEach((shape, slots) -> {
            PathCheck result = checkShape(shape, slots.get(0), rows);
            if (result.passed()) {
                fast.addAll(slots);
            } else {
                LOG.warn("{} disagrees with ATen's linear on this machine for weights of shape {} x {}"
                        + " ({} matrices; relative error {} at rows {}, tolerance {}): they multiply through ATen's linear.",
                        productName, shape.get(0), shape.get(1), slots.size(), String.format("%.2g", result.error()), result.rows(),
                        result.tolerance());
                slots.forEach(model::unpack);
            }
        });
        return fast;
    }

    private PathCheck checkShape(Shape shape, int slot, int[] rows) {
        long start = System.nanoTime();
        double error = largestError(shape.get(1), rows, xs -> model.compareLinear(slot, xs, sampleRuns(shape.get(0))));
        return record(new PathCheck(linearPath, ComputePaths.LINEAR_SUBJECT + shape.get(0) + "x" + shape.get(1),
                rowText(rows), error, tolerance, millisSince(start)));
    }

    /**
     * The largest relative error {@code compare} reports (pairs of [largest |fast - reference|, largest
     * |reference|]) for random inputs of {@code width} columns at each of {@code rows}. The inputs are
     * float32: the program rounds them to the compute dtype (DJL holds no bfloat16).
     */
    private double largestError(long width, int[] rows, Function<List<NDArray>, double[][]> compare) {
        try (NDManager scratch = model.manager().newSubManager()) {
            List<NDArray> xs = Arrays.stream(rows).mapToObj(n -> scratch.randomNormal(new Shape(n, width), DataType.FLOAT32))
                    .toList();
            double error = 0;
            for (double[] diff : compare.apply(xs)) {
                error = Math.max(error, relative(diff[0], diff[1]));
            }
            return error;
        }
    }

    /** The rows a product or norm is checked at: 1, an odd count, and the largest decode batch up to 65 rows. */
    private static int[] checkRows(PathOptions options) {
        return new int[] {1, 3, Math.max(3, Math.min(options.largestBatch(), MAX_CHECK_ROWS))};
    }

    private static String rowText(int[] rows) {
        return Arrays.stream(rows).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    }

    /**
     * How many runs of 64 consecutive outputs the reference computes (0: all of them): all of a
     * matrix up to 16 runs long; of a larger one, 16 runs spread evenly from the first output to the
     * last, where a padded block ends. Each run reaches every lane position of oneDNN's 16-, 32- and
     * 64-wide blocks, and the runs reach blocks over the whole matrix.
     */
    static int sampleRuns(long outputs) {
        return outputs <= (long) SAMPLE_RUNS * SAMPLE_RUN_LENGTH ? 0 : SAMPLE_RUNS;
    }

    /**
     * Runs two steps over four sequences on the chosen paths and on the reference path and compares
     * the final hidden states of the rows that give logits (the vocabulary head is checked on its own):
     * whole prompts, then a prompt chunk after cached tokens, one decoding sequence alone and two as a
     * group (blocks of 4 tokens, so a few tokens reach every kind of unit). The fast steps run on the
     * tensor thread's intra-op threads and on one, the ends of what the engine's small steps may take
     * (StepThreads): a kernel may split its work, or choose its code, by the threads it has.
     */
    private boolean stepAgrees(List<Integer> fast, String attention) {
        String path = (fast.isEmpty() ? ComputePaths.ATEN_LINEAR : linearPath) + " + " + attention;
        int vocab = model.config().vocabSize();
        int[][] prompts = {random.ints(7, 0, vocab).toArray(), random.ints(5, 0, vocab).toArray(),
                random.ints(3, 0, vocab).toArray(), random.ints(3, 0, vocab).toArray()};
        int[][] tables = {{0, 1}, {2, 3}, {4}, {5}};
        int[][] newTokens = {{6, 3, 2, 2}, {1, 2, 1, 1}};
        long start = System.nanoTime();
        int threads = JniUtils.getNumThreads();
        try (NDManager scratch = model.manager().newSubManager()) {
            KvCache cache = new KvCache(model.config(), 6, STEP_BLOCK_SIZE, model.dtype(), scratch);
            model.setMaxLayers(stepLayers(model.config()));
            model.setReference(true);
            float[][] expected = run(prompts, tables, newTokens, cache, scratch);
            model.setReference(false);
            double maxDiff = 0;
            double maxRef = 0;
            for (int n : threads > 1 ? new int[] {threads, 1} : new int[] {1}) {
                JniUtils.setNumThreads(n);
                float[][] actual = run(prompts, tables, newTokens, cache, scratch);
                for (int step = 0; step < expected.length; step++) {
                    for (int i = 0; i < expected[step].length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(actual[step][i] - expected[step][i]));
                        maxRef = Math.max(maxRef, Math.abs(expected[step][i]));
                    }
                }
            }
            return record(new PathCheck(path, "forward step", "13, 5", relative(maxDiff, maxRef), stepTolerance,
                    millisSince(start))).passed();
        } finally {
            JniUtils.setNumThreads(threads);
            model.setReference(false);
            model.setMaxLayers(0);
        }
    }

    /**
     * The layers the forward step runs: the fewest first layers that hold one layer of every kind
     * (sliding or global attention, dense or sparse MLP), and two at least, so that each shape's
     * fast product also runs on a second matrix besides the one its shape check took (a kernel that
     * is wrong on one buffer only, say by its alignment, is caught).
     */
    static int stepLayers(ModelConfig config) {
        Set<List<Boolean>> kinds = new HashSet<>();
        int layers = Math.min(2, config.numLayers());
        for (int l = 0; l < config.numLayers(); l++) {
            if (kinds.add(List.of(config.sliding(l), config.sparse(l)))) {
                layers = Math.max(layers, l + 1);
            }
        }
        return layers;
    }

    /** Runs the steps; returns the hidden states of each step's logit rows, one step after the other. */
    private float[][] run(int[][] prompts, int[][] tables, int[][] newTokens, KvCache cache, NDManager scratch) {
        int[] computed = new int[prompts.length];
        float[][] hidden = new float[newTokens.length][];
        for (int i = 0; i < newTokens.length; i++) {
            StepInput.Builder input = StepInput.builder(STEP_BLOCK_SIZE);
            for (int s = 0; s < prompts.length; s++) {
                int n = newTokens[i][s];
                input.add(Arrays.copyOfRange(prompts[s], computed[s], computed[s] + n), computed[s], tables[s]);
                computed[s] += n;
            }
            try (NDManager stepManager = scratch.newSubManager()) {
                hidden[i] = model.forward(input.build(), cache, stepManager).toFloatArray();
            }
        }
        return hidden;
    }

    /**
     * The products' path: all on the fast one, some, or none. Experts count where oneDNN packs them
     * (not under int8, which leaves them unquantized).
     */
    private String linearPath(PathOptions options, List<Integer> fast, boolean expertsFast) {
        boolean expertsSlow = !options.int8() && firstSparseLayer() >= 0 && !expertsFast;
        if (!(options.oneDnn() || options.int8()) || (fast.isEmpty() && !expertsFast)) {
            return ComputePaths.ATEN_LINEAR;
        }
        return fast.size() == model.matrixSlots().length && !expertsSlow ? linearPath
                : linearPath + "+" + ComputePaths.ATEN_LINEAR;
    }

    private PathCheck record(PathCheck check) {
        checks.add(check);
        return check;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static double relative(double diff, double reference) {
        if (Double.isNaN(diff) || Double.isNaN(reference)) {
            return Double.POSITIVE_INFINITY;
        }
        return diff / Math.max(reference, Double.MIN_NORMAL);
    }
}
