package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.synth.SyntheticLora;
import io.flinfer.engine.testing.MergedLora;
import io.flinfer.engine.testing.OneDnnIsaCap;
import io.flinfer.engine.testing.ReferenceLlama;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.engine.testing.TinyCheckpoint.Variant;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An adapter served unmerged — its low-rank products added per row, in a step that mixes rows of two
 * adapters and of none, over prefill and decode — gives the logits of the double-precision reference
 * run on the merged weights {@code W + scale * B A}, for every set of target modules; rows of no
 * adapter give the base model's.
 */
@ExtendWith(OneDnnIsaCap.class)
class LoraForwardMatchesMergedReferenceTest {
    private static final int BLOCK = 4;
    private static final double TOLERANCE = 1e-4;
    private static final Variant VARIANT = new Variant("qwen2, q/k/v bias, GQA", "qwen2", 4, 2, 12, false, false, null);

    static Stream<Arguments> targetSets() {
        Stream<Arguments> single = LoraAdapter.MODULES.stream().map(m -> Arguments.of(List.of(m), false));
        return Stream.concat(single, Stream.of(
                Arguments.of(List.of("q_proj", "v_proj"), false),
                Arguments.of(List.of("gate_proj", "up_proj", "down_proj"), false),
                Arguments.of(LoraAdapter.MODULES, false),
                Arguments.of(LoraAdapter.MODULES, true)));
    }

    @ParameterizedTest(name = "{0}, rsLoRA {1}")
    @MethodSource("targetSets")
    void adapterRowsMatchTheMergedModel(List<String> targets, boolean rsLora, @TempDir Path dir) throws Exception {
        Path base = TinyCheckpoint.random(VARIANT, 42).write(dir.resolve("base"), null);
        Path tested = dir.resolve("tested");
        Path other = dir.resolve("other");
        SyntheticLora.write(base, tested, new SyntheticLora.Options(4, targets, 5, rsLora));
        SyntheticLora.write(base, other, SyntheticLora.Options.allModules(8, 6));
        ReferenceLlama baseRef = new ReferenceLlama(TinyCheckpoint.random(VARIANT, 42));
        ReferenceLlama testedRef = merged(tested);
        ReferenceLlama otherRef = merged(other);

        Random rnd = new Random(3);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = LlamaModel.load(base, 128, DataType.FLOAT32, root, new PathOptions(true, 64))) {
            model.setUpLora(2);
            LoraAdapter testedAdapter = LoraAdapter.load("tested", tested, model.config(), 8, DataType.FLOAT32, model.manager());
            LoraAdapter otherAdapter = LoraAdapter.load("other", other, model.config(), 8, DataType.FLOAT32, model.manager());
            model.setLora(1, testedAdapter);
            model.setLora(0, otherAdapter);
            KvCache cache = new KvCache(model.config(), 64, BLOCK, DataType.FLOAT32, model.manager());
            // Slots per sequence, grouped by adapter as the runner orders them: base, tested twice, other.
            int[] slots = {-1, 1, 1, 0};
            List<ReferenceLlama> refs = List.of(baseRef, testedRef, testedRef, otherRef);
            int[][] tokens = {rnd.ints(9, 0, 512).toArray(), rnd.ints(13, 0, 512).toArray(),
                    rnd.ints(6, 0, 512).toArray(), rnd.ints(7, 0, 512).toArray()};
            int[][] tables = IntStream.range(0, 4).mapToObj(s -> IntStream.range(s * 8, s * 8 + 8).toArray())
                    .toArray(int[][]::new);
            // A prefill of all four, then two decode steps.
            int[] computed = new int[4];
            for (int step = 0; step < 3; step++) {
                StepInput.Builder input = StepInput.builder(BLOCK);
                LoraBatch.Builder lora = LoraBatch.builder();
                int row = 0;
                for (int s = 0; s < 4; s++) {
                    if (step > 0) {
                        tokens[s] = Arrays.copyOf(tokens[s], tokens[s].length + 1);
                        tokens[s][tokens[s].length - 1] = rnd.nextInt(512);
                    }
                    int n = tokens[s].length - computed[s];
                    input.add(Arrays.copyOfRange(tokens[s], computed[s], tokens[s].length), computed[s], tables[s]);
                    lora.add(slots[s], row, n);
                    row += n;
                    computed[s] = tokens[s].length;
                }
                try (NDManager stepManager = root.newSubManager()) {
                    NDArray logits = model.forward(input.build(), cache, stepManager, lora.build());
                    for (int s = 0; s < 4; s++) {
                        double[] expected = refs.get(s).lastLogits(tokens[s]);
                        float[] actual = logits.get(s).toFloatArray();
                        double maxDiff = 0;
                        for (int v = 0; v < expected.length; v++) {
                            maxDiff = Math.max(maxDiff, Math.abs(expected[v] - actual[v]));
                        }
                        assertThat(maxDiff).as("step %d, sequence %d (slot %d)", step, s, slots[s]).isLessThan(TOLERANCE);
                    }
                }
            }
            // The adapter under test changes the logits (else the comparison above would prove nothing).
            int[] probe = tokens[1];
            assertThat(maxAbsDiff(testedRef.lastLogits(probe), baseRef.lastLogits(probe))).isGreaterThan(1e-2);
        }
    }

    private static ReferenceLlama merged(Path adapter) throws Exception {
        TinyCheckpoint ckpt = TinyCheckpoint.random(VARIANT, 42);
        MergedLora.mergeInto(ckpt, adapter);
        return new ReferenceLlama(ckpt);
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
