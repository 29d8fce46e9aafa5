package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.testing.CapturedWarnings;
import io.flinfer.engine.testing.ReferenceLlama;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.engine.testing.TinyCheckpoint.Variant;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.flinfer.engine.testing.OneDnnIsaCap;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The load-time check catches a wrong fast path and falls back to the reference path for what it
 * got wrong, with a WARN that names it. A wrong path is made on purpose: oneDNN packs a perturbed
 * copy of some weights, as a kernel that computes wrongly would.
 */
@ExtendWith(OneDnnIsaCap.class)
class FastPathCheckTest {
    private static final Variant VARIANT = new Variant("llama, GQA 2 per KV head", "llama", 4, 2, 16, false, false, null);
    /** gate+up of a hidden-64, intermediate-128 model: 256 x 64, one per layer. */
    private static final long[] GATE_UP = {256, 64};

    /** A Mixtral of hidden 48 with 12 experts of 32: each expert's gate+up is 64 x 48, unique to them. */
    private static final Variant MOE = new Variant("mixtral", "mixtral", 4, 2, 12, false, false, null);
    private static final long[] EXPERT_GATE_UP = {64, 48};

    @TempDir
    static Path dir;
    @TempDir
    static Path moeDir;
    /** A model whose gate+up (2176 x 64) is large enough for its reference to be a sample of runs. */
    @TempDir
    static Path wideDir;
    /** A Qwen3, whose queries and keys are normed too: norms of width 64 (hidden) and 16 (head). */
    @TempDir
    static Path qkNormDir;
    private static final Variant QK_NORM = new Variant("qwen3", "qwen3", 4, 2, 16, true, false, null);
    private static TinyCheckpoint qkNorm;
    private static final long[] WIDE_GATE_UP = {2176, 64};
    private static TinyCheckpoint ckpt;
    private static TinyCheckpoint moe;

    @BeforeAll
    static void writeModel() throws Exception {
        ckpt = TinyCheckpoint.random(VARIANT, 3, 64, 128);
        ckpt.write(dir, null);
        moe = TinyCheckpoint.random(MOE, 4);
        moe.write(moeDir, null);
        TinyCheckpoint.random(VARIANT, 5, 64, 1088).write(wideDir, null);
        qkNorm = TinyCheckpoint.random(QK_NORM, 6, 64, 128);
        qkNorm.write(qkNormDir, null);
    }

    @Test
    void aWrongProductOfOneShapeFallsBackToLinearForThatShapeOnly() {
        try (CapturedWarnings warnings = new CapturedWarnings(FastPathCheck.class);
                NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(root, perturbed(w -> isGateUp(w)))) {
            ComputePaths paths = model.paths();
            assertThat(paths.linear()).isEqualTo(ComputePaths.MIXED);
            assertThat(paths.fellBack()).containsExactly("256x64");
            assertThat(paths.summary()).contains("linear onednn+aten (aten for 256x64)");
            assertThat(failed(paths)).extracting(PathCheck::subject).containsExactly("linear 256x64");
            assertThat(warnings.messages()).anySatisfy(m -> assertThat(m)
                    .contains("oneDNN's inner product disagrees", "256 x 64", "2 matrices", "ATen's linear"));
            assertMatchesReference(model, root);
        }
    }

    @Test
    void aWrongProductTheShapeCheckMissesIsCaughtByTheForwardStep() {
        // Only layer 1's gate+up is wrong; each shape is checked on its first matrix (layer 0's).
        int[] calls = {0};
        try (CapturedWarnings warnings = new CapturedWarnings(FastPathCheck.class);
                NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(root, perturbed(w -> isGateUp(w) && calls[0]++ == 1))) {
            ComputePaths paths = model.paths();
            assertThat(paths.linear()).isEqualTo(ComputePaths.ATEN_LINEAR);
            assertThat(paths.attention()).isEqualTo(ComputePaths.SDPA_FUSED);
            // The step disagrees on fused attention and still on its math kernel: the products are to blame.
            assertThat(failed(paths)).extracting(PathCheck::subject).containsOnly("forward step");
            assertThat(failed(paths)).extracting(PathCheck::path).containsExactly("onednn + sdpa-fused",
                    "onednn + sdpa-math");
            assertThat(warnings.messages()).anySatisfy(m -> assertThat(m)
                    .contains("forward step on oneDNN's inner products disagrees", "falls back to ATen's linear"));
            assertMatchesReference(model, root);
        }
    }

    @Test
    void everyCheckThatFailedIsAFallbackAndEveryPathInUsePassed() {
        int threads = JniUtils.getNumThreads();
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(root, UnaryOperator.identity())) {
            ComputePaths paths = model.paths();
            assertThat(JniUtils.getNumThreads()).as("the step check ran on one thread too, and gave the threads back")
                    .isEqualTo(threads);
            List<String> shapesFailed = failed(paths).stream().map(PathCheck::subject)
                    .filter(s -> s.startsWith("linear ")).map(s -> s.substring("linear ".length())).toList();
            assertThat(paths.fellBack()).isEqualTo(shapesFailed);
            if (failed(paths).stream().anyMatch(c -> c.subject().equals("forward step"))) {
                assertThat(paths.linear() + " " + paths.attention()).doesNotContain(ComputePaths.MIXED);
            }
            assertThat(paths.checks()).isNotEmpty().allSatisfy(c -> assertThat(c.rows()).isNotEmpty());
            assertThat(paths.summary()).contains("linear " + paths.linear(), "attention " + paths.attention(),
                    "norm " + paths.norm());
            assertThat(paths.checks()).extracting(PathCheck::subject).contains("norm 64", "forward step");
            boolean normFailed = failed(paths).stream().anyMatch(c -> c.path().equals(ComputePaths.FUSED_NORM));
            assertThat(paths.norm()).isEqualTo(normFailed ? ComputePaths.RMS_NORM : ComputePaths.FUSED_NORM);
            assertMatchesReference(model, root);
        }
    }

    @Test
    void theExpertsAreCheckedAndAWrongExpertProductSendsEveryExpertToLinear() {
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(moeDir, root, UnaryOperator.identity())) {
            assertThat(model.paths().checks()).extracting(PathCheck::subject)
                    .contains("linear 64x48 experts", "linear 48x32 experts");
            assertMatchesReference(model, root, moe);
        }
        try (CapturedWarnings warnings = new CapturedWarnings(FastPathCheck.class);
                NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(moeDir, root, perturbed(w -> Arrays.equals(w.getShape().getShape(), EXPERT_GATE_UP)))) {
            ComputePaths paths = model.paths();
            assertThat(paths.linear()).isEqualTo(ComputePaths.MIXED);
            assertThat(paths.fellBack()).contains("64x48 experts");
            assertThat(warnings.messages()).anySatisfy(m -> assertThat(m)
                    .contains("disagrees", "expert weights of shape 64 x 48", "every expert multiplies through ATen's linear"));
            assertMatchesReference(model, root, moe);
        }
    }

    @Test
    void theFusedNormIsCheckedAtEveryNormWidthAndServesOnlyWhereItAgrees() {
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(qkNormDir, root, UnaryOperator.identity())) {
            List<PathCheck> normChecks = model.paths().checks().stream()
                    .filter(c -> c.path().equals(ComputePaths.FUSED_NORM)).toList();
            assertThat(normChecks).extracting(PathCheck::subject).containsExactly("norm 64", "norm 16");
            boolean agreed = normChecks.stream().allMatch(PathCheck::passed);
            assertThat(model.paths().norm()).isEqualTo(agreed ? ComputePaths.FUSED_NORM : ComputePaths.RMS_NORM);
            assertMatchesReference(model, root, qkNorm);
        }
    }

    @Test
    void theReferenceOfALargeMatrixIsASampleOfRunsOverTheWholeMatrix() {
        int runs = FastPathCheck.sampleRuns(128256);
        assertThat(runs).as("a sample, not the whole head").isPositive();
        assertThat((long) runs * FastPathCheck.SAMPLE_RUN_LENGTH).as("outputs sampled").isLessThan(128256 / 10);
        assertThat(FastPathCheck.SAMPLE_RUN_LENGTH).as("each run reaches every lane of a 64-wide block").isEqualTo(64);
        assertThat(FastPathCheck.sampleRuns(344)).as("a small matrix whole").isZero();
    }

    @Test
    void aSampledReferenceComparesEachRunWithItsOwnOutputsAndReachesTheLastBlock() {
        assertThat(FastPathCheck.sampleRuns(WIDE_GATE_UP[0])).as("this gate+up is sampled").isPositive();
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(wideDir, root, UnaryOperator.identity())) {
            assertThat(model.paths().checks()).filteredOn(c -> c.subject().equals("linear 2176x64"))
                    .singleElement().satisfies(c -> assertThat(c.passed()).as("a right product agrees: %s", c).isTrue());
        }
        // Only the last 64 outputs wrong, as a kernel wrong on the padded last block would be.
        long last = WIDE_GATE_UP[0] - FastPathCheck.SAMPLE_RUN_LENGTH;
        UnaryOperator<NDArray> lastBlockWrong = w -> {
            if (!Arrays.equals(w.getShape().getShape(), WIDE_GATE_UP)) {
                return w;
            }
            NDArray wrong = w.duplicate();
            wrong.set(new NDIndex(last + ":"), w.get(last + ":").mul(1.5f));
            return wrong;
        };
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = load(wideDir, root, lastBlockWrong)) {
            assertThat(model.paths().fellBack()).containsExactly("2176x64");
        }
    }

    private static LlamaModel load(NDManager root, UnaryOperator<NDArray> packSource) {
        return load(dir, root, packSource);
    }

    private static LlamaModel load(Path model, NDManager root, UnaryOperator<NDArray> packSource) {
        return LlamaModel.load(model, 64, DataType.FLOAT32, root, new PathOptions(true, 8), packSource);
    }

    /** oneDNN packs {@code w * 1.5} for the weights {@code which} selects. */
    private static UnaryOperator<NDArray> perturbed(Predicate<NDArray> which) {
        return w -> which.test(w) ? w.mul(1.5f) : w;
    }

    private static boolean isGateUp(NDArray w) {
        return Arrays.equals(w.getShape().getShape(), GATE_UP);
    }

    private static List<PathCheck> failed(ComputePaths paths) {
        return paths.checks().stream().filter(c -> !c.passed()).toList();
    }

    /** One prompt of 5 tokens: the model's logits are the double-precision reference's. */
    private static void assertMatchesReference(LlamaModel model, NDManager root) {
        assertMatchesReference(model, root, ckpt);
    }

    private static void assertMatchesReference(LlamaModel model, NDManager root, TinyCheckpoint ckpt) {
        int[] tokens = {5, 17, 301, 42, 9};
        KvCache cache = new KvCache(model.config(), 4, 4, DataType.FLOAT32, model.manager());
        StepInput prompt = StepInput.builder(4).add(tokens, 0, new int[] {0, 1}).build();
        double[] expected = new ReferenceLlama(ckpt).lastLogits(tokens);
        try (NDManager step = root.newSubManager()) {
            float[] actual = model.forward(prompt, cache, step).toFloatArray();
            for (int v = 0; v < expected.length; v++) {
                assertThat((double) actual[v]).as("logit %d", v).isCloseTo(expected[v],
                        Offset.offset(1e-4));
            }
        }
    }
}
