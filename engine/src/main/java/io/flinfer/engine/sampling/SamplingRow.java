package io.flinfer.engine.sampling;

import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What the {@link Sampler} needs to know about one batch row in one engine step.
 *
 * <p>{@code random} is the request's own generator, kept by the engine for the whole request (see
 * {@link SamplingParams#newRandom()}): a non-greedy row takes exactly one draw from it per sampled
 * token and greedy rows take none, so a request's tokens depend only on its seed and its logits,
 * never on the other rows of the batch. A resumed request can therefore rebuild its generator from
 * the seed and skip one draw per output token it already has.
 *
 * <p>The token arrays are read during {@link Sampler#sample} only and are not copied.
 *
 * @param promptTokenIds the prompt, for the repetition penalty
 * @param outputTokenIds the tokens generated so far, for all three penalties
 * @param bannedTokenIds tokens that must not be sampled in this step (e.g. EOS and stop tokens
 *     before {@code min_tokens} is reached)
 * @param allowedTokens a bitset over token ids ({@code (V + 63) / 64} longs) of the only tokens this
 *     step may sample (a structured output's grammar mask); null allows every token
 */
public record SamplingRow(SamplingParams params, SplittableRandom random, int[] promptTokenIds,
        int[] outputTokenIds, Set<Integer> bannedTokenIds, long[] allowedTokens) {

    public SamplingRow {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(promptTokenIds, "promptTokenIds");
        Objects.requireNonNull(outputTokenIds, "outputTokenIds");
        Objects.requireNonNull(bannedTokenIds, "bannedTokenIds");
    }

    public SamplingRow(SamplingParams params, SplittableRandom random, int[] promptTokenIds,
            int[] outputTokenIds, Set<Integer> bannedTokenIds) {
        this(params, random, promptTokenIds, outputTokenIds, bannedTokenIds, null);
    }

    /** A row with no history and no banned tokens. */
    public static SamplingRow of(SamplingParams params, SplittableRandom random) {
        return new SamplingRow(params, random, new int[0], new int[0], Set.of());
    }

    /** A draw in [0, 1) with 24 random bits: exactly representable as a float, never 1.0f. */
    float nextUniform() {
        return draw(random);
    }

    /** Advances a resumed request's generator past the draws its {@code n} earlier tokens took. */
    public static void skipDraws(SplittableRandom random, int n) {
        for (int i = 0; i < n; i++) {
            draw(random);
        }
    }

    private static float draw(SplittableRandom random) {
        return random.nextInt(1 << 24) / (float) (1 << 24);
    }
}
