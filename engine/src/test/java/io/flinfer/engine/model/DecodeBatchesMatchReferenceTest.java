package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.testing.ReferenceLlama;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.engine.testing.TinyCheckpoint.Variant;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import io.flinfer.engine.testing.OneDnnIsaCap;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Matrices whose sizes are not multiples of 16, 32 or 64 (stories260K's 64/172/344 among them),
 * multiplied for 1, 3, 17, 64 and 65 rows, on the paths the engine chose after its load-time check:
 * every batch's logits are the double-precision reference's. Blocked kernels are most often wrong in
 * their tails, so these are the shapes and row counts that find it.
 */
@ExtendWith(OneDnnIsaCap.class)
class DecodeBatchesMatchReferenceTest {
    private static final double TOLERANCE = 1e-4;
    private static final int BLOCK = 4;
    private static final int PROMPT = 3;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(new Variant("stories260K's shapes", "llama", 8, 4, 8, true, false, null), 64, 172),
                Arguments.of(new Variant("hidden 48, intermediate 96", "llama", 4, 2, 12, true, false, null), 48, 96),
                Arguments.of(new Variant("hidden 80, intermediate 200", "qwen2", 4, 2, 20, false, false, null), 80, 200));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void prefillAndDecodeOfManyRowsMatchReference(Variant variant, int hidden, int inter, @TempDir Path dir)
            throws Exception {
        TinyCheckpoint ckpt = TinyCheckpoint.random(variant, 11, hidden, inter);
        ckpt.write(dir, null);
        ReferenceLlama reference = new ReferenceLlama(ckpt);
        Random rnd = new Random(5);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = LlamaModel.load(dir, 64, DataType.FLOAT32, root, new PathOptions(true, 65))) {
            for (int n : new int[] {1, 3, 17, 64, 65}) {
                KvCache cache = new KvCache(model.config(), n, BLOCK, DataType.FLOAT32, model.manager());
                int[][] prompts = IntStream.range(0, n).mapToObj(i -> rnd.ints(PROMPT + 1, 0, 512).toArray())
                        .toArray(int[][]::new);
                check(model, cache, reference, root, prompts, 0, PROMPT, n);
                check(model, cache, reference, root, prompts, PROMPT, 1, n);
            }
        }
    }

    /** Runs {@code count} tokens of each prompt from {@code from} on, one block per sequence. */
    private static void check(LlamaModel model, KvCache cache, ReferenceLlama reference, NDManager root,
            int[][] prompts, int from, int count, int n) {
        StepInput.Builder input = StepInput.builder(BLOCK);
        for (int s = 0; s < n; s++) {
            input.add(Arrays.copyOfRange(prompts[s], from, from + count), from, new int[] {s});
        }
        try (NDManager step = root.newSubManager()) {
            NDArray logits = model.forward(input.build(), cache, step);
            for (int s = 0; s < n; s++) {
                float[] actual = logits.get(s).toFloatArray();
                double[] expected = reference.lastLogits(Arrays.copyOf(prompts[s], from + count));
                double maxDiff = 0;
                for (int v = 0; v < expected.length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(expected[v] - actual[v]));
                }
                assertThat(maxDiff).as("max |logit difference| of sequence %d of %d (%d rows)", s, n, n * count)
                        .isLessThan(TOLERANCE);
            }
        }
    }
}
