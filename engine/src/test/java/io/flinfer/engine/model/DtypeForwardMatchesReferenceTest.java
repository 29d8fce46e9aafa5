package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.testing.OneDnnIsaCap;
import io.flinfer.engine.testing.ReferenceLlama;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.engine.testing.TinyCheckpoint.Variant;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each compute dtype, KV cache dtype and int8 weights give the logits of the double-precision
 * reference forward pass within a tolerance stated per case, relative to the largest reference
 * logit, over prompts prefilled together and decoded as a group; and each runs on the fast path it
 * asked for (the load-time check kept it), so the tolerance speaks of that path.
 */
@ExtendWith(OneDnnIsaCap.class)
class DtypeForwardMatchesReferenceTest {
    /** One block holds either context whole, so the decode steps attend as one group. */
    private static final int BLOCK = 16;

    /**
     * A case: compute and cache dtypes, int8 weights or not, the linear path expected, and the largest
     * relative error. float32 is float32 rounding (measured 1e-6); bfloat16 keeps 8 bits of mantissa
     * (3.9e-3 per rounding, 5.5e-2 measured after two random layers, which amplify it); float16 11 bits
     * (6.7e-3 measured); int8 weight-only adds per-channel weight rounding and bfloat16 activations (the
     * kernel's), 9.3e-2 measured; fbgemm's dynamic int8 also rounds each product's input to 8 bits,
     * 0.18 measured (bfloat16; float32 under 0.15), or to 7 bits where fbgemm's kernel has no VNNI
     * ({@link #SEVEN_BIT_TOLERANCE}). A wrong kernel or layout is off by about 1.
     */
    record Case(String name, DataType compute, DataType cache, boolean int8, String linear, double tolerance) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * fbgemm's dynamic int8 with 7-bit activations (a CPU without VNNI, or FBGEMM_ENABLE_INSTRUCTIONS=AVX2
     * as the AVX2-capped test run sets): twice the activations' rounding, 0.29-0.32 measured (bfloat16).
     */
    static final double SEVEN_BIT_TOLERANCE = 0.4;

    static Stream<Arguments> cases() {
        double dynamicTolerance = CpuFeatures.hasInt8DotProducts() ? 0.25 : SEVEN_BIT_TOLERANCE;
        Variant gqa = new Variant("llama, GQA 2 per KV head", "llama", 4, 2, 16, false, false, null);
        Variant qwen2 = new Variant("qwen2, q/k/v bias, bf16 checkpoint", "qwen2", 4, 2, 16, false, true, null);
        // Gemma's norms add 1 to their weights at load: in float32, then rounded (not to a carrier's raw bytes).
        Variant gemma3 = new Variant("gemma3_text, window 5, q/k norm, local rope base", "gemma3_text", 4, 1, 16, true, false, null);
        Stream<Arguments> gemmaBfloat16 = Stream.of(Arguments.of(gemma3,
                new Case("bfloat16", DataType.BFLOAT16, DataType.BFLOAT16, false, ComputePaths.ONEDNN, 8e-2)));
        return Stream.concat(gemmaBfloat16, Stream.of(gqa, qwen2).flatMap(variant -> Stream.of(
                new Case("float32", DataType.FLOAT32, DataType.FLOAT32, false, ComputePaths.ONEDNN, 1e-5),
                new Case("bfloat16", DataType.BFLOAT16, DataType.BFLOAT16, false, ComputePaths.ONEDNN, 8e-2),
                new Case("bfloat16, float32 KV cache", DataType.BFLOAT16, DataType.FLOAT32, false, ComputePaths.ONEDNN, 8e-2),
                new Case("float16 (ATen)", DataType.FLOAT16, DataType.FLOAT16, false, ComputePaths.ATEN_LINEAR, 1e-2),
                new Case("float32, int8 (fbgemm dynamic)", DataType.FLOAT32, DataType.FLOAT32, true, ComputePaths.INT8_DYNAMIC, dynamicTolerance),
                new Case("bfloat16, int8 (fbgemm dynamic)", DataType.BFLOAT16, DataType.BFLOAT16, true, ComputePaths.INT8_DYNAMIC, dynamicTolerance),
                new Case("float32, int8 weight-only", DataType.FLOAT32, DataType.FLOAT32, true, ComputePaths.INT8, 0.15),
                new Case("bfloat16, int8 weight-only", DataType.BFLOAT16, DataType.BFLOAT16, true, ComputePaths.INT8, 0.15))
                .map(c -> Arguments.of(variant, c))));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void logitsMatchTheReferenceWithinTheDtypesTolerance(Variant variant, Case c, @TempDir Path dir) throws Exception {
        TinyCheckpoint ckpt = TinyCheckpoint.random(variant, 42, 64, 128);
        ReferenceLlama reference = new ReferenceLlama(ckpt);
        ckpt.write(dir, null);
        Random rnd = new Random(3);
        int[][] tokens = {rnd.ints(11, 0, 512).toArray(), rnd.ints(6, 0, 512).toArray()};
        int[][] tables = {{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}};
        PathOptions options = PathOptions.defaults(ai.djl.Device.cpu(), c.compute(), 64).withInt8(c.int8())
                .withInt8WeightOnly(c.linear().equals(ComputePaths.INT8));
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = LlamaModel.load(dir, 128, c.compute(), root, options)) {
            assertThat(model.paths().linear()).as(model.paths().checks().toString()).isEqualTo(expectedPath(c));
            KvCache cache = new KvCache(model.config(), 10, BLOCK, c.cache(), model.manager());
            int[] computed = new int[2];
            double worst = 0;
            for (int step = 0; step < 4; step++) {
                StepInput.Builder input = StepInput.builder(BLOCK);
                for (int s = 0; s < 2; s++) {
                    if (step > 0) {
                        tokens[s] = Arrays.copyOf(tokens[s], tokens[s].length + 1);
                        tokens[s][tokens[s].length - 1] = rnd.nextInt(512);
                    }
                    input.add(Arrays.copyOfRange(tokens[s], computed[s], tokens[s].length), computed[s], tables[s]);
                    computed[s] = tokens[s].length;
                }
                try (NDManager stepManager = root.newSubManager()) {
                    NDArray logits = model.forward(input.build(), cache, stepManager);
                    assertThat(logits.getDataType()).isEqualTo(DataType.FLOAT32);
                    for (int s = 0; s < 2; s++) {
                        worst = Math.max(worst, relativeError(logits.get(s).toFloatArray(),
                                reference.lastLogits(tokens[s])));
                    }
                }
            }
            assertThat(worst).as("largest relative logit error of %s", c).isLessThan(c.tolerance());
        }
    }

    /** The case's path, but ATen's for bfloat16 under the AVX2 cap: oneDNN packs no bfloat16 without AVX-512. */
    private static String expectedPath(Case c) {
        boolean avx2 = "AVX2".equalsIgnoreCase(System.getenv("ONEDNN_MAX_CPU_ISA"));
        return avx2 && c.compute() == DataType.BFLOAT16 && !c.int8() ? ComputePaths.ATEN_LINEAR : c.linear();
    }

    private static double relativeError(float[] actual, double[] expected) {
        double diff = 0;
        double scale = 0;
        for (int v = 0; v < expected.length; v++) {
            diff = Math.max(diff, Math.abs(actual[v] - expected[v]));
            scale = Math.max(scale, Math.abs(expected[v]));
        }
        return diff / scale;
    }
}
