package io.flinfer.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Draws 20,000 tokens from one fixed logit vector per setting and checks that filtered tokens never
 * appear and the kept ones appear with the renormalized softmax frequencies. The kept sets were
 * worked out by hand from the probabilities written next to the logits. Seeds are fixed, so the
 * chi-square check gives the same answer on every run.
 */
class SamplerDistributionTest {
    /** softmax at T=1: .4197 .2546 .1544 .0936 .0568 .0209; at T=2: .2900 .2258 .1759 .1370 .1067 .0647. */
    private static final float[] LOGITS = {2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -1.0f};
    private static final int ROWS = 2000;
    private static final int STEPS = 10;
    /** Chi-square critical values at p = 0.001 by degrees of freedom. */
    private static final double[] CHI2_CRITICAL = {Double.NaN, 10.83, 13.82, 16.27, 18.47, 20.52};

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of("temperature 1", params().build(), Set.of(), Set.of(0, 1, 2, 3, 4, 5)),
                Arguments.of("temperature 2", params().temperature(2).build(), Set.of(),
                        Set.of(0, 1, 2, 3, 4, 5)),
                Arguments.of("top_k 2", params().topK(2).build(), Set.of(), Set.of(0, 1)),
                Arguments.of("top_p 0.8 (mass before token 3 is .8287)", params().topP(0.8).build(),
                        Set.of(), Set.of(0, 1, 2)),
                Arguments.of("top_p 0.6 (mass before token 2 is .6743)", params().topP(0.6).build(),
                        Set.of(), Set.of(0, 1)),
                Arguments.of("min_p 0.3 (threshold .1259)", params().minP(0.3).build(), Set.of(),
                        Set.of(0, 1, 2)),
                Arguments.of("min_p 0.2 (threshold .0839)", params().minP(0.2).build(), Set.of(),
                        Set.of(0, 1, 2, 3)),
                Arguments.of("top_p 0.7 on the T=2 distribution (mass before token 3 is .6917)",
                        params().temperature(2).topP(0.7).build(), Set.of(), Set.of(0, 1, 2, 3)),
                // vLLM v1 applies min_p first: {0,1,2} renormalized is .5065 .3072 .1863, so top_p
                // .75 then drops token 2 (mass before it .8137); top_p first would have kept it.
                Arguments.of("min_p 0.3 then top_k 4 then top_p 0.75",
                        params().minP(0.3).topK(4).topP(0.75).build(), Set.of(), Set.of(0, 1)),
                Arguments.of("banned token 1", params().build(), Set.of(1), Set.of(0, 2, 3, 4, 5)),
                Arguments.of("banned tokens 0 and 2, then top_k 3 over the rest",
                        params().topK(3).build(), Set.of(0, 2), Set.of(1, 3, 4)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void keepsOnlyAllowedTokensWithSoftmaxFrequencies(String name, SamplingParams params,
            Set<Integer> banned, Set<Integer> kept) {
        List<SamplingRow> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            SamplingParams seeded = params.toBuilder().seed(1000L + r).build();
            rows.add(new SamplingRow(seeded, seeded.newRandom(), new int[0], new int[0], banned));
        }
        long[] counts = new long[LOGITS.length];
        Sampler sampler = new Sampler();
        try (NDArray logits = Logits.repeated(manager, LOGITS, ROWS)) {
            for (int step = 0; step < STEPS; step++) {
                for (int token : sampler.sample(logits, rows).tokenIds()) {
                    counts[token]++;
                }
            }
        }

        double[] expected = expectedFrequencies(params.temperature, kept);
        double chiSquare = 0;
        for (int token = 0; token < LOGITS.length; token++) {
            if (!kept.contains(token)) {
                assertThat(counts[token]).as("draws of filtered token %d", token).isZero();
            } else {
                double e = expected[token] * ROWS * STEPS;
                chiSquare += (counts[token] - e) * (counts[token] - e) / e;
            }
        }
        assertThat(chiSquare).as("chi-square of counts %s against %s", Arrays.toString(counts),
                Arrays.toString(expected)).isLessThan(CHI2_CRITICAL[kept.size() - 1]);
    }

    private static SamplingParams.Builder params() {
        return SamplingParams.builder().temperature(1);
    }

    private static double[] expectedFrequencies(double temperature, Set<Integer> kept) {
        double[] p = new double[LOGITS.length];
        double sum = 0;
        for (int token : kept) {
            p[token] = Math.exp(LOGITS[token] / temperature);
            sum += p[token];
        }
        for (int token = 0; token < p.length; token++) {
            p[token] /= sum;
        }
        return p;
    }
}
