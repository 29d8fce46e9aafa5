package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.testing.ReferenceLlama;
import io.flinfer.engine.testing.TinyCheckpoint.Variant;
import io.flinfer.engine.testing.TinyCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import io.flinfer.engine.testing.OneDnnIsaCap;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The batched forward pass over the paged KV cache — sequences of different lengths in one batch,
 * scattered blocks and blocks in a row (read in place), prefill in chunks, decode steps, blocks shared by two
 * sequences as the prefix cache shares them, decoding sequences grouped by the blocks they read, one sequence
 * alone — gives the logits of a plain
 * per-sequence forward pass, for every variant, and the program's own argmax of them. The mixtures of experts route to 2 of
 * {@link TinyCheckpoint#EXPERTS} = 12 experts, so each 4-token decode step leaves at least 4 experts
 * without a token. The sliding windows (Gemma's 5 and 6, Mistral's, Mixtral's, Phi-3's and Qwen2's
 * 5 to 7) are shorter than the prompts, in prompt chunks and decode steps.
 */
@ExtendWith(OneDnnIsaCap.class)
class PagedForwardMatchesReferenceTest {
    private static final int BLOCK = 4;
    private static final double TOLERANCE = 1e-4;

    /** Every variant, multiplied through oneDNN (the CPU default) and through ATen's linear. */
    static Stream<Arguments> variants() {
        return Stream.of(true, false).flatMap(oneDnn -> Stream.of(
                new Variant("llama, 1 query head per KV head", "llama", 4, 4, 12, true, false, null),
                new Variant("llama, GQA 2 per KV head", "llama", 4, 2, 12, true, false, null),
                new Variant("llama, GQA 4 per KV head", "llama", 8, 2, 8, true, false, null),
                new Variant("llama, MQA", "llama", 4, 1, 12, true, false, null),
                new Variant("llama3 rope scaling", "llama", 4, 2, 12, true, false, "llama3"),
                new Variant("llama linear rope scaling", "llama", 4, 2, 12, true, false, "linear"),
                new Variant("mistral, untied head", "mistral", 4, 2, 12, false, false, null),
                new Variant("qwen2, q/k/v bias", "qwen2", 4, 2, 12, false, false, null),
                new Variant("qwen3, q/k norm, head_dim 16", "qwen3", 4, 2, 16, true, false, null),
                new Variant("llama, bf16 weights", "llama", 4, 2, 12, false, true, null),
                new Variant("mixtral, 12 experts top 2", "mixtral", 4, 2, 12, false, false, null),
                new Variant("qwen3_moe, dense layer 0, renormalized top 2", "qwen3_moe", 4, 2, 16, true, false, null),
                new Variant("qwen2_moe, shared expert, sparse step 2", "qwen2_moe", 4, 2, 12, false, false, null),
                new Variant("phi3, fused qkv and gate_up, longrope", "phi3", 4, 2, 12, false, false, "longrope"),
                new Variant("phi3, partial rotary 0.5, longrope", "phi3", 4, 4, 16, true, false, "longrope", 0.5),
                new Variant("mistral", "mistral", 4, 2, 12, false, false, null).withWindow("mistral, window 5", 5),
                new Variant("mixtral", "mixtral", 4, 2, 12, false, false, null).withWindow("mixtral, window 6", 6),
                new Variant("phi3", "phi3", 4, 2, 12, false, false, "longrope").withWindow("phi3, window 7, longrope", 7),
                new Variant("qwen2", "qwen2", 4, 2, 12, false, false, null)
                        .withWindow("qwen2, window 5 on layer 1 (use_sliding_window)", 5),
                new Variant("gemma2, window 6, soft-caps", "gemma2", 4, 2, 16, true, false, null),
                new Variant("gemma3_text, window 5, q/k norm, local rope base", "gemma3_text", 4, 1, 16, true, false, null))
                .map(variant -> Arguments.of(variant, oneDnn)));
    }

    @ParameterizedTest(name = "{0}, oneDNN {1}")
    @MethodSource("variants")
    void batchedPagedChunkedAndSharedMatchReference(Variant variant, boolean oneDnn, @TempDir Path dir)
            throws Exception {
        TinyCheckpoint ckpt = TinyCheckpoint.random(variant, 42);
        ReferenceLlama reference = new ReferenceLlama(ckpt);
        ckpt.write(dir, null);
        Random rnd = new Random(7);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = LlamaModel.load(dir, 128, DataType.FLOAT32, root, new PathOptions(oneDnn, 64))) {
            // The fused attention kept (the load-time check found it agreeing), so the steps below check it.
            assertThat(model.paths().attention()).isEqualTo(ComputePaths.SDPA_FUSED);
            KvCache cache = new KvCache(model.config(), 64 + 16, BLOCK, DataType.FLOAT32, model.manager());
            List<Integer> freeBlocks = shuffledBlocks(64, rnd);
            // Three sequences; the third starts with the first's first 8 tokens (two full blocks). a and c
            // have scattered blocks, which the program gathers; b's and d's lie in a row, read in place.
            int[] a = randomTokens(rnd, 13);
            int[] b = randomTokens(rnd, 6);
            int[] c = randomTokens(rnd, 21);
            System.arraycopy(a, 0, c, 0, 8);
            Seq sa = new Seq(a, freeBlocks, 0);
            Seq sb = new Seq(b, blocksInARow(64), 0);

            // Step 1: prefill a whole, b in a first chunk of 4.
            check(model, cache, reference, root, List.of(sa, sb), new int[] {13, 4});
            // c adopts a's first two blocks, as a prefix-cache hit, and computes only the rest.
            Seq sc = new Seq(c, freeBlocks, 8);
            sc.blocks.set(0, sa.blocks.get(0));
            sc.blocks.set(1, sa.blocks.get(1));
            // Step 2: a decodes one token, b finishes its prefill chunk, c prefills after its cached prefix,
            // d prefills 12 tokens.
            Seq sd = new Seq(randomTokens(rnd, 12), blocksInARow(72), 0);
            sa.extend(rnd);
            check(model, cache, reference, root, List.of(sa, sb, sc, sd), new int[] {1, 2, 13, 12});
            // Steps 3-4: everyone decodes; a's and d's contexts (15 and 13, then 16 and 14 tokens) fill
            // four blocks each, so they attend as one group with different context ends.
            for (int step = 0; step < 2; step++) {
                sa.extend(rnd);
                sb.extend(rnd);
                sc.extend(rnd);
                sd.extend(rnd);
                check(model, cache, reference, root, List.of(sc, sa, sb, sd), new int[] {1, 1, 1, 1});
            }
            // Steps 5-6: a step of one sequence alone, whose attention output the program takes as it
            // comes: a decodes a token, then e prefills a whole prompt.
            sa.extend(rnd);
            check(model, cache, reference, root, List.of(sa), new int[] {1});
            Seq se = new Seq(randomTokens(rnd, 9), freeBlocks, 0);
            check(model, cache, reference, root, List.of(se), new int[] {9});
            // Step 7: d decodes alone, its context read in place.
            sd.extend(rnd);
            check(model, cache, reference, root, List.of(sd), new int[] {1});
        }
    }

    private static void check(LlamaModel model, KvCache cache, ReferenceLlama reference, NDManager root,
            List<Seq> seqs, int[] numNew) {
        StepInput.Builder input = StepInput.builder(BLOCK);
        for (int i = 0; i < seqs.size(); i++) {
            Seq s = seqs.get(i);
            input.add(Arrays.copyOfRange(s.tokens, s.computed, s.computed + numNew[i]), s.computed,
                    s.blocks.stream().mapToInt(Integer::intValue).toArray());
            s.computed += numNew[i];
        }
        StepInput built = input.build();
        try (NDManager step = root.newSubManager()) {
            NDArray logits = model.forward(built, cache, step);
            // The same step again (its keys and values rewritten as they were), the program taking the argmax.
            long[] argmax = model.forwardArgmax(built, cache, LoraBatch.NONE);
            assertThat(argmax).as("the program's argmax of each row").containsExactly(logits.argMax(1).toLongArray());
            for (int i = 0; i < seqs.size(); i++) {
                Seq s = seqs.get(i);
                float[] actual = logits.get(i).toFloatArray();
                double[] expected = reference.lastLogits(Arrays.copyOf(s.tokens, s.computed));
                double maxDiff = 0;
                for (int v = 0; v < expected.length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(expected[v] - actual[v]));
                }
                assertThat(maxDiff).as("max |logit difference| of sequence %d at length %d", i, s.computed)
                        .isLessThan(TOLERANCE);
            }
        }
    }

    /** A test sequence: its tokens, how many are computed, and its blocks. */
    private static final class Seq {
        int[] tokens;
        int computed;
        final List<Integer> blocks = new ArrayList<>();
        private final List<Integer> pool;

        Seq(int[] tokens, List<Integer> pool, int computed) {
            this.tokens = tokens;
            this.pool = pool;
            this.computed = computed;
            for (int i = 0; i < 8; i++) {
                blocks.add(pool.remove(0));
            }
        }

        void extend(Random rnd) {
            tokens = Arrays.copyOf(tokens, tokens.length + 1);
            tokens[tokens.length - 1] = rnd.nextInt(512);
        }
    }

    private static List<Integer> shuffledBlocks(int n, Random rnd) {
        List<Integer> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            blocks.add(i);
        }
        Collections.shuffle(blocks, rnd);
        return blocks;
    }

    private static List<Integer> blocksInARow(int first) {
        List<Integer> blocks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            blocks.add(first + i);
        }
        return blocks;
    }

    private static int[] randomTokens(Random rnd, int n) {
        return rnd.ints(n, 0, 512).toArray();
    }
}
