package io.flinfer.engine.sampling;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * How to sample one request's completion. Names and meanings follow vLLM's {@code SamplingParams}
 * (and so OpenAI's request fields): {@code temperature} 0 means greedy, {@code top_k} 0 means no
 * limit, {@code top_p} 1 and {@code min_p} 0 disable their filters, penalties of 0 (or 1 for the
 * repetition penalty) change nothing.
 *
 * <p>Immutable; build with {@link #builder()}. {@link Builder#build()} validates and throws an
 * {@link IllegalArgumentException} whose message names the parameter and the allowed range.
 */
public final class SamplingParams {
    public final double temperature;
    public final double topP;
    public final int topK;
    public final double minP;
    /** Seed of this request's own random generator; null draws one at random. */
    public final Long seed;
    public final int maxTokens;
    public final int minTokens;
    public final List<String> stop;
    public final List<Integer> stopTokenIds;
    public final boolean ignoreEos;
    public final double presencePenalty;
    public final double frequencyPenalty;
    public final double repetitionPenalty;
    /** Number of most likely tokens to report with each generated token; null reports none. */
    public final Integer logprobs;
    /** A constraint the output must satisfy (JSON Schema, regex, ...); null for none. */
    public final StructuredOutput structuredOutput;

    private SamplingParams(Builder b) {
        temperature = b.temperature;
        topP = b.topP;
        topK = b.topK;
        minP = b.minP;
        seed = b.seed;
        maxTokens = b.maxTokens;
        minTokens = b.minTokens;
        stop = List.copyOf(b.stop);
        stopTokenIds = List.copyOf(b.stopTokenIds);
        ignoreEos = b.ignoreEos;
        presencePenalty = b.presencePenalty;
        frequencyPenalty = b.frequencyPenalty;
        repetitionPenalty = b.repetitionPenalty;
        logprobs = b.logprobs;
        structuredOutput = b.structuredOutput;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Greedy decoding of at most {@code maxTokens} tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return builder().temperature(0).maxTokens(maxTokens).build();
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    /**
     * A new random generator for one request: seeded with {@link #seed}, so the same seed gives the
     * same draws on every run, or from a random seed when none is set.
     */
    public SplittableRandom newRandom() {
        return seed == null ? new SplittableRandom() : new SplittableRandom(seed);
    }

    public boolean hasPenalties() {
        return presencePenalty != 0 || frequencyPenalty != 0 || repetitionPenalty != 1;
    }

    public Builder toBuilder() {
        return builder().temperature(temperature).topP(topP).topK(topK).minP(minP).seed(seed)
                .maxTokens(maxTokens).minTokens(minTokens).stop(stop).stopTokenIds(stopTokenIds)
                .ignoreEos(ignoreEos).presencePenalty(presencePenalty)
                .frequencyPenalty(frequencyPenalty).repetitionPenalty(repetitionPenalty)
                .logprobs(logprobs).structuredOutput(structuredOutput);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplingParams p
                && temperature == p.temperature && topP == p.topP && topK == p.topK && minP == p.minP
                && Objects.equals(seed, p.seed) && maxTokens == p.maxTokens && minTokens == p.minTokens
                && stop.equals(p.stop) && stopTokenIds.equals(p.stopTokenIds) && ignoreEos == p.ignoreEos
                && presencePenalty == p.presencePenalty && frequencyPenalty == p.frequencyPenalty
                && repetitionPenalty == p.repetitionPenalty && Objects.equals(logprobs, p.logprobs)
                && Objects.equals(structuredOutput, p.structuredOutput);
    }

    @Override
    public int hashCode() {
        return Objects.hash(temperature, topP, topK, minP, seed, maxTokens, minTokens, stop, stopTokenIds, ignoreEos,
                presencePenalty, frequencyPenalty, repetitionPenalty, logprobs, structuredOutput);
    }

    @Override
    public String toString() {
        return "SamplingParams{temperature=" + temperature + ", top_p=" + topP + ", top_k=" + topK
                + ", min_p=" + minP + ", seed=" + seed + ", max_tokens=" + maxTokens
                + ", min_tokens=" + minTokens + ", stop=" + stop + ", stop_token_ids=" + stopTokenIds
                + ", ignore_eos=" + ignoreEos + ", presence_penalty=" + presencePenalty
                + ", frequency_penalty=" + frequencyPenalty + ", repetition_penalty="
                + repetitionPenalty + ", logprobs=" + logprobs
                + (structuredOutput == null ? "" : ", structured_output=" + structuredOutput.kind()) + "}";
    }

    public static final class Builder {
        private double temperature = 1.0;
        private double topP = 1.0;
        private int topK = 0;
        private double minP = 0.0;
        private Long seed;
        private int maxTokens = 16;
        private int minTokens = 0;
        private List<String> stop = List.of();
        private List<Integer> stopTokenIds = List.of();
        private boolean ignoreEos;
        private double presencePenalty;
        private double frequencyPenalty;
        private double repetitionPenalty = 1.0;
        private Integer logprobs;
        private StructuredOutput structuredOutput;

        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        /** 0 or -1 disable the filter, as in vLLM. */
        public Builder topK(int v) { topK = v < 0 ? 0 : v; return this; }
        public Builder minP(double v) { minP = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder minTokens(int v) { minTokens = v; return this; }
        public Builder stop(List<String> v) { stop = Objects.requireNonNull(v, "stop"); return this; }
        public Builder stopTokenIds(List<Integer> v) { stopTokenIds = Objects.requireNonNull(v, "stop_token_ids"); return this; }
        public Builder ignoreEos(boolean v) { ignoreEos = v; return this; }
        public Builder presencePenalty(double v) { presencePenalty = v; return this; }
        public Builder frequencyPenalty(double v) { frequencyPenalty = v; return this; }
        public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
        public Builder logprobs(Integer v) { logprobs = v; return this; }
        public Builder structuredOutput(StructuredOutput v) { structuredOutput = v; return this; }

        public SamplingParams build() {
            check(temperature >= 0 && Double.isFinite(temperature),
                    "temperature must be >= 0 (0 means greedy), got " + temperature);
            check(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
            check(minP >= 0 && minP <= 1, "min_p must be in [0, 1], got " + minP);
            check(maxTokens >= 1, "max_tokens must be at least 1, got " + maxTokens);
            check(minTokens >= 0 && minTokens <= maxTokens,
                    "min_tokens must be in [0, max_tokens=" + maxTokens + "], got " + minTokens);
            check(presencePenalty >= -2 && presencePenalty <= 2,
                    "presence_penalty must be in [-2, 2], got " + presencePenalty);
            check(frequencyPenalty >= -2 && frequencyPenalty <= 2,
                    "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
            check(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty),
                    "repetition_penalty must be > 0, got " + repetitionPenalty);
            check(logprobs == null || (logprobs >= 0 && logprobs <= 20),
                    "logprobs must be in [0, 20], got " + logprobs);
            for (String s : stop) {
                check(s != null && !s.isEmpty(), "stop strings must not be empty");
            }
            return new SamplingParams(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
