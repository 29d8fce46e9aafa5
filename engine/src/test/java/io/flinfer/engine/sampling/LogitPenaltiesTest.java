package io.flinfer.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Checks the numbers each penalty produces on real DJL tensors. */
class LogitPenaltiesTest {
    private static final float[] ROW = {2.0f, -2.0f, 1.0f, 0.5f, -1.0f};
    private static final int[] PROMPT = {0, 1};
    /** Token 2 twice, token 3 once. */
    private static final int[] OUTPUT = {2, 3, 2};

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfPromptAndOutputTokens() {
        float[] out = penalize(SamplingParams.builder().repetitionPenalty(2).build(), Set.of());
        assertThat(out).containsExactly(new float[] {1.0f, -4.0f, 0.5f, 0.25f, -1.0f}, within(1e-6f));
    }

    @Test
    void frequencyPenaltySubtractsItTimesEachOutputTokenCount() {
        float[] out = penalize(SamplingParams.builder().frequencyPenalty(0.5).build(), Set.of());
        assertThat(out).containsExactly(new float[] {2.0f, -2.0f, 0.0f, 0.0f, -1.0f}, within(1e-6f));
    }

    @Test
    void presencePenaltySubtractsItOncePerDistinctOutputToken() {
        float[] out = penalize(SamplingParams.builder().presencePenalty(-0.25).build(), Set.of());
        assertThat(out).containsExactly(new float[] {2.0f, -2.0f, 1.25f, 0.75f, -1.0f}, within(1e-6f));
    }

    @Test
    void penaltiesCombineInVllmOrderAndBansGiveMinusInfinity() {
        SamplingParams params = SamplingParams.builder().repetitionPenalty(2).frequencyPenalty(0.5)
                .presencePenalty(0.25).build();
        float[] out = penalize(params, Set.of(4));
        // token 2: 1.0 / 2 - 0.5 * 2 - 0.25; token 3: 0.5 / 2 - 0.5 * 1 - 0.25
        assertThat(out).containsExactly(
                new float[] {1.0f, -4.0f, -0.75f, -0.5f, Float.NEGATIVE_INFINITY}, within(1e-6f));
    }

    @Test
    void eachRowGetsOnlyItsOwnPenaltiesAndTheInputIsLeftAlone() {
        SamplingParams penalized = SamplingParams.builder().repetitionPenalty(2).build();
        SamplingParams plain = SamplingParams.builder().build();
        try (NDArray logits = Logits.of(manager, ROW, ROW)) {
            List<SamplingRow> rows = List.of(
                    new SamplingRow(plain, new SplittableRandom(1), PROMPT, OUTPUT, Set.of(3)),
                    new SamplingRow(penalized, new SplittableRandom(2), PROMPT, OUTPUT, Set.of()));
            float[] out = LogitPenalties.of(rows, ROW.length).applyTo(logits).toFloatArray();
            assertThat(out).containsExactly(new float[] {
                    2.0f, -2.0f, 1.0f, Float.NEGATIVE_INFINITY, -1.0f,
                    1.0f, -4.0f, 0.5f, 0.25f, -1.0f}, within(1e-6f));
            assertThat(logits.toFloatArray()).containsExactly(Logits.of(manager, ROW, ROW).toFloatArray());
        }
    }

    @Test
    void tokenOutsideTheVocabularyIsRejectedWithTheRowAndRange() {
        SamplingParams params = SamplingParams.builder().presencePenalty(1).build();
        List<SamplingRow> rows = List.of(
                new SamplingRow(params, new SplittableRandom(1), new int[0], new int[] {7}, Set.of()));
        assertThatThrownBy(() -> LogitPenalties.of(rows, ROW.length))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch row 0").hasMessageContaining("token id 7")
                .hasMessageContaining("[0, 5)");
    }

    private float[] penalize(SamplingParams params, Set<Integer> banned) {
        try (NDArray logits = Logits.of(manager, ROW)) {
            SamplingRow row = new SamplingRow(params, new SplittableRandom(1), PROMPT, OUTPUT, banned);
            return LogitPenalties.of(List.of(row), ROW.length).applyTo(logits).toFloatArray();
        }
    }
}
