package io.flinfer.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int VOCAB = 1000;

    private static NDManager manager;
    private final Sampler sampler = new Sampler();

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void temperatureZeroTakesTheArgmaxAndSkipsBannedTokens() {
        float[][] rows = new float[16][];
        List<SamplingRow> sampling = new ArrayList<>();
        for (int r = 0; r < rows.length; r++) {
            rows[r] = Logits.random(r, VOCAB);
            // Odd rows ban their best token, so they must return the second best.
            Set<Integer> banned = r % 2 == 1 ? Set.of(argmax(rows[r], -1)) : Set.of();
            sampling.add(new SamplingRow(SamplingParams.greedy(8), new SplittableRandom(r),
                    new int[0], new int[0], banned));
        }
        try (NDArray logits = Logits.of(manager, rows)) {
            int[] tokens = sampler.sample(logits, sampling).tokenIds();
            for (int r = 0; r < rows.length; r++) {
                int best = argmax(rows[r], -1);
                assertThat(tokens[r]).as("row %d", r).isEqualTo(r % 2 == 1 ? argmax(rows[r], best) : best);
            }
        }
    }

    @Test
    void penaltiesApplyToGreedyRowsToo() {
        // 3.0 / 2 < 2.0: the repetition penalty on the already generated token 0 flips the argmax.
        SamplingParams params = SamplingParams.builder().temperature(0).repetitionPenalty(2).build();
        SamplingRow row = new SamplingRow(params, params.newRandom(), new int[0], new int[] {0}, Set.of());
        try (NDArray logits = Logits.of(manager, new float[] {3.0f, 2.0f, 0.0f})) {
            assertThat(sampler.sample(logits, List.of(row)).tokenIds()).containsExactly(1);
        }
    }

    @Test
    void randomRowsNeverDrawBannedTokens() {
        // Token 0 holds almost all the mass; banning it and token 1 must still keep both out.
        float[] row = Logits.random(7, 50);
        row[0] = 20f;
        List<SamplingRow> rows = new ArrayList<>();
        for (int r = 0; r < 500; r++) {
            SamplingParams params = SamplingParams.builder().temperature(1.5).seed((long) r).build();
            rows.add(new SamplingRow(params, params.newRandom(), new int[0], new int[0], Set.of(0, 1)));
        }
        try (NDArray logits = Logits.repeated(manager, row, rows.size())) {
            for (int step = 0; step < 10; step++) {
                assertThat(sampler.sample(logits, rows).tokenIds()).doesNotContain(0, 1);
            }
        }
    }

    @Test
    void sameSeedGivesSameTokensWhateverTheBatchAroundIt() {
        List<SamplingParams> requests = List.of(
                SamplingParams.builder().temperature(1).seed(11L).build(),
                SamplingParams.builder().temperature(0.7).topK(50).seed(12L).build(),
                SamplingParams.builder().temperature(1.2).topP(0.9).minP(0.05).seed(13L).build(),
                SamplingParams.builder().temperature(0.9).presencePenalty(0.5).frequencyPenalty(0.3)
                        .repetitionPenalty(1.2).seed(14L).build());
        // Each request alone in its batch, so each takes its own cheapest path (no sort, top-k
        // only, full sort); in the crowded batch all share the full-sort path.
        int[][] alone = requests.stream().map(r -> generate(List.of(r), List.of(), false)[0])
                .toArray(int[][]::new);
        int[][] again = requests.stream().map(r -> generate(List.of(r), List.of(), false)[0])
                .toArray(int[][]::new);
        List<SamplingParams> others = List.of(SamplingParams.greedy(32),
                SamplingParams.builder().temperature(1).topP(0.95).seed(99L).build(),
                SamplingParams.builder().temperature(0.5).topK(5).seed(98L).build());
        int[][] crowded = generate(requests, others, true);

        assertThat(again).isDeepEqualTo(alone);
        assertThat(crowded).isDeepEqualTo(alone);
        // The draws really are random and really follow the seed.
        assertThat(alone[0]).isNotEqualTo(alone[3]);
        int[][] reseeded = generate(List.of(requests.get(0).toBuilder().seed(21L).build()), List.of(), false);
        assertThat(reseeded[0]).isNotEqualTo(alone[0]);
    }

    @Test
    void onlyPlainGreedyRowsTakeTheArgmaxAlone() {
        SamplingParams greedy = SamplingParams.greedy(10);
        SamplingRow plain = SamplingRow.of(greedy, greedy.newRandom());
        assertThat(Sampler.takesArgmaxOnly(List.of(plain, plain))).isTrue();
        List<SamplingRow> notPlain = List.of(
                SamplingRow.of(SamplingParams.builder().temperature(0.5).build(), new SplittableRandom(1)),
                SamplingRow.of(greedy.toBuilder().repetitionPenalty(1.2).build(), new SplittableRandom(1)),
                SamplingRow.of(greedy.toBuilder().logprobs(0).build(), new SplittableRandom(1)),
                new SamplingRow(greedy, new SplittableRandom(1), new int[0], new int[0], Set.of(2)),
                new SamplingRow(greedy, new SplittableRandom(1), new int[0], new int[0], Set.of(), new long[VOCAB / 64 + 1]));
        for (SamplingRow row : notPlain) {
            assertThat(Sampler.takesArgmaxOnly(List.of(plain, row))).as("%s", row.params()).isFalse();
        }
    }

    @Test
    void logprobsAreTheRawLogSoftmaxWithTheTopTokensFirst() {
        float[][] rows = {Logits.random(1, 200), Logits.random(2, 200), Logits.random(3, 200)};
        // Penalties and temperature must not change the reported numbers (vLLM v1 raw logprobs).
        SamplingParams random = SamplingParams.builder().temperature(0.8).repetitionPenalty(1.5)
                .seed(5L).logprobs(5).build();
        SamplingParams greedy = SamplingParams.builder().temperature(0).logprobs(0).build();
        List<SamplingRow> sampling = List.of(
                new SamplingRow(random, random.newRandom(), new int[] {3, 4}, new int[] {5}, Set.of()),
                SamplingRow.of(SamplingParams.builder().seed(6L).build(), new SplittableRandom(6)),
                SamplingRow.of(greedy, greedy.newRandom()));
        try (NDArray logits = Logits.of(manager, rows)) {
            SampledTokens result = sampler.sample(logits, sampling);

            assertThat(result.logprobs().get(1)).isNull();
            TokenLogprobs first = result.logprobs().get(0);
            double[] expected = Logits.logSoftmax(rows[0]);
            assertThat(first.tokenId()).isEqualTo(result.tokenIds()[0]);
            assertThat((double) first.logprob()).isCloseTo(expected[first.tokenId()], within(1e-5));
            assertThat(first.topTokenIds()).hasSize(5);
            int[] expectedTop = IntStream.range(0, expected.length).boxed()
                    .sorted(Comparator.comparingDouble(t -> -expected[t])).limit(5)
                    .mapToInt(Integer::intValue).toArray();
            assertThat(first.topTokenIds()).containsExactly(expectedTop);
            for (int j = 0; j < 5; j++) {
                assertThat((double) first.topLogprobs()[j]).isCloseTo(expected[expectedTop[j]], within(1e-5));
            }
            TokenLogprobs third = result.logprobs().get(2);
            assertThat(third.tokenId()).isEqualTo(argmax(rows[2], -1));
            assertThat((double) third.logprob())
                    .isCloseTo(Logits.logSoftmax(rows[2])[third.tokenId()], within(1e-5));
            assertThat(third.topTokenIds()).isEmpty();
        }
    }

    @Test
    void acceptsHalfPrecisionLogitsAndLeavesThemWithTheCaller() {
        float[] row = Logits.random(4, VOCAB);
        try (NDManager caller = manager.newSubManager();
                NDArray logits = Logits.of(caller, row).toType(DataType.FLOAT16, false)) {
            SamplingParams params = SamplingParams.builder().temperature(0).build();
            int[] tokens = sampler.sample(logits, List.of(SamplingRow.of(params, params.newRandom()))).tokenIds();
            assertThat(tokens).containsExactly(argmax(row, -1));
            assertThat(logits.getManager()).isSameAs(caller);
            assertThat(logits.isReleased()).isFalse();
        }
    }

    @Test
    void rejectsLogitsWhoseBatchDoesNotMatchTheRows() {
        try (NDArray logits = Logits.of(manager, new float[] {1f, 2f})) {
            assertThatThrownBy(() -> sampler.sample(logits, List.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("B = the number of rows (0)").hasMessageContaining("(1, 2)");
        }
    }

    /**
     * Runs 20 steps for each request, each step feeding back the tokens so far (so penalties see a
     * growing history) and logits that depend only on the request's seed and the step. With
     * {@code shuffled}, the requests sit in reversed order, interleaved with the {@code others}.
     */
    private int[][] generate(List<SamplingParams> requests, List<SamplingParams> others, boolean shuffled) {
        int steps = 20;
        int[][] tokens = new int[requests.size()][steps];
        List<SplittableRandom> randoms = requests.stream().map(SamplingParams::newRandom).toList();
        List<SplittableRandom> otherRandoms = others.stream().map(SamplingParams::newRandom).toList();
        for (int step = 0; step < steps; step++) {
            List<Slot> mine = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                int[] output = Arrays.copyOf(tokens[i], step);
                mine.add(new Slot(i, new SamplingRow(requests.get(i), randoms.get(i), new int[] {1, 2, 3},
                        output, Set.of()), Logits.random(requests.get(i).seed * 100 + step, VOCAB)));
            }
            List<Slot> theirs = new ArrayList<>();
            for (int i = 0; i < others.size(); i++) {
                theirs.add(new Slot(-1, SamplingRow.of(others.get(i), otherRandoms.get(i)),
                        Logits.random(-1 - i * 100L - step, VOCAB)));
            }
            if (shuffled) {
                Collections.reverse(mine);
            }
            List<Slot> batch = new ArrayList<>();
            for (int k = 0; k < Math.max(mine.size(), theirs.size()); k++) {
                if (k < theirs.size()) {
                    batch.add(theirs.get(k));
                }
                if (k < mine.size()) {
                    batch.add(mine.get(k));
                }
            }
            float[][] rows = batch.stream().map(Slot::logits).toArray(float[][]::new);
            try (NDArray logits = Logits.of(manager, rows)) {
                int[] sampled = sampler.sample(logits, batch.stream().map(Slot::row).toList()).tokenIds();
                for (int b = 0; b < batch.size(); b++) {
                    if (batch.get(b).request() >= 0) {
                        tokens[batch.get(b).request()][step] = sampled[b];
                    }
                }
            }
        }
        return tokens;
    }

    /** One batch row: which of the tested requests it is (-1 for the others), its row and logits. */
    private record Slot(int request, SamplingRow row, float[] logits) {
    }

    /** Index of the largest logit other than {@code skip}. */
    private static int argmax(float[] row, int skip) {
        int best = -1;
        for (int i = 0; i < row.length; i++) {
            if (i != skip && (best < 0 || row[i] > row[best])) {
                best = i;
            }
        }
        return best;
    }
}
