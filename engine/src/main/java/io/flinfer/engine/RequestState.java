package io.flinfer.engine;

import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.core.Scheduler;
import io.flinfer.engine.core.Sequence;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.SamplingRow;
import io.flinfer.engine.sampling.TokenLogprobs;
import io.flinfer.engine.structured.GrammarMatcher;
import io.flinfer.engine.tokenizer.IncrementalDetokenizer;
import io.flinfer.engine.tokenizer.StopStringMatcher;
import io.flinfer.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The engine's per-request bookkeeping around a {@link Sequence}: its random generator, the text
 * produced so far, and the stop conditions that end it.
 */
final class RequestState {
    final Sequence seq;
    private final SplittableRandom random;
    private final IncrementalDetokenizer detokenizer;
    private final StopStringMatcher stops;
    private final Set<Integer> eosIds;
    private final StringBuilder text = new StringBuilder();
    private final List<TokenLogprobs> logprobs;
    /** The structured output's matcher and its mask, or null for free text. */
    private final GrammarMatcher grammar;
    private final long[] mask;
    private int reportedTokens;
    private int reportedChars;

    /**
     * @param grammar the request's grammar matcher, fresh; null for free text
     */
    RequestState(Sequence seq, Tokenizer tokenizer, int[] resumedOutputIds, GrammarMatcher grammar) {
        this.seq = seq;
        this.grammar = grammar;
        this.mask = grammar == null ? null : grammar.newMask();
        SamplingParams p = seq.params();
        this.random = p.newRandom();
        this.detokenizer = tokenizer.newDetokenizer(seq.promptIds());
        this.stops = new StopStringMatcher(p.stop);
        this.eosIds = p.ignoreEos ? Set.of() : tokenizer.eosTokenIds();
        this.logprobs = p.logprobs == null ? null : new ArrayList<>();
        if (!p.isGreedy()) {
            SamplingRow.skipDraws(random, resumedOutputIds.length);
        }
        for (int token : resumedOutputIds) {
            text.append(stops.accept(detokenizer.append(token)));
            if (grammar != null) {
                grammar.accept(token); // a restored request continues where its grammar was
            }
        }
        reportedTokens = resumedOutputIds.length;
        reportedChars = text.length();
    }

    SamplingRow samplingRow() {
        SamplingParams p = seq.params();
        boolean needHistory = p.hasPenalties();
        return new SamplingRow(p, random,
                needHistory ? seq.promptIds() : new int[0],
                needHistory ? seq.outputIds() : new int[0],
                seq.numOutputTokens() < p.minTokens ? stopTokens() : Set.of(), grammarMask());
    }

    boolean isConstrained() {
        return grammar != null;
    }

    /**
     * The grammar's mask; where the grammar forces the next text, only the first token of its greedy
     * spelling ({@link GrammarMatcher#forcedTokens}), so that forced text is spelled alike whether
     * jump-forward appends it or steps sample it.
     */
    private long[] grammarMask() {
        if (grammar == null) {
            return null;
        }
        int[] forced = grammar.forcedTokens();
        if (forced.length > 0) {
            Arrays.fill(mask, 0L);
            mask[forced[0] >>> 6] |= 1L << forced[0];
        } else {
            grammar.fillMask(mask);
        }
        return mask;
    }

    /**
     * Jump-forward: after a sampled token, appends the tokens the grammar forces next (as output,
     * each taking the random draw its sampling would have taken, so a restore replays the same
     * draws) for the next step to compute together. Not for requests that want logprobs, which only
     * a forward step per token gives.
     *
     * @return why the request is finished now, as {@link #accept} says after a forced token, or null
     */
    FinishReason jumpForward(Scheduler scheduler, int maxModelLen, long nowNanos) {
        if (grammar == null || logprobs != null) {
            return null;
        }
        for (int token : grammar.forcedTokens()) {
            scheduler.appendKnownToken(seq, token, nowNanos);
            if (!seq.params().isGreedy()) {
                SamplingRow.skipDraws(random, 1);
            }
            FinishReason finish = accept(token, null, maxModelLen);
            if (finish != null) {
                return finish;
            }
        }
        return null;
    }

    private Set<Integer> stopTokens() {
        Set<Integer> banned = new HashSet<>(eosIds);
        banned.addAll(seq.params().stopTokenIds);
        return banned;
    }

    /**
     * Takes the token the sequence just received (already appended to it) and returns why the
     * request is finished now, or null if it goes on.
     */
    FinishReason accept(int token, TokenLogprobs tokenLogprobs, int maxModelLen) {
        SamplingParams p = seq.params();
        if (logprobs != null) {
            logprobs.add(tokenLogprobs);
        }
        if (grammar != null) {
            grammar.accept(token);
        }
        if (p.stopTokenIds.contains(token) || eosIds.contains(token)) {
            text.append(stops.flush());
            return FinishReason.STOP;
        }
        text.append(stops.accept(detokenizer.append(token)));
        if (stops.stopped()) {
            return FinishReason.STOP;
        }
        if (grammar != null && grammar.isTerminated()) {
            // Nothing can follow: end now rather than spend a step sampling the only allowed token, EOS.
            text.append(stops.accept(detokenizer.flush())).append(stops.flush());
            return FinishReason.STOP;
        }
        if (seq.numOutputTokens() >= p.maxTokens || seq.numTokens() >= maxModelLen) {
            text.append(stops.accept(detokenizer.flush())).append(stops.flush());
            return FinishReason.LENGTH;
        }
        return null;
    }

    /**
     * What this step added; the whole output (tokens, text, logprobs, timings) only once finished,
     * so a running request costs O(new tokens) per step rather than a copy of everything so far.
     */
    RequestOutput output(long nowNanos) {
        int numOutput = seq.numOutputTokens();
        int[] fresh = seq.tokens(seq.numPromptTokens() + reportedTokens, seq.numTokens());
        String freshText = text.substring(reportedChars);
        reportedTokens = numOutput;
        reportedChars = text.length();
        if (!seq.isFinished()) {
            return new RequestOutput(seq.requestId(), fresh, freshText, new int[0], "", false, null,
                    seq.numPromptTokens(), seq.numCachedTokens(), null, null, null);
        }
        RequestTimings timings = new RequestTimings(
                seq.arrivalNanos(), seq.firstScheduledNanos(), seq.firstTokenNanos(), nowNanos, numOutput);
        return new RequestOutput(seq.requestId(), fresh, freshText, seq.outputIds(), text.toString(), true,
                seq.finishReason(), seq.numPromptTokens(), seq.numCachedTokens(),
                logprobs == null ? null : List.copyOf(logprobs), null, timings);
    }

}
