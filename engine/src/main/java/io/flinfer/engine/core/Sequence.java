package io.flinfer.engine.core;

import io.flinfer.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request inside the engine: its tokens, how many of them are in the KV cache
 * ({@code numComputedTokens}), its blocks and its timing. Each step the scheduler gives it tokens
 * until it has caught up with all it knows; then the sampler adds one.
 */
public final class Sequence {
    public enum Status { WAITING, RUNNING, FINISHED }

    private final String requestId;
    private final int[] promptIds;
    private int[] outputIds;
    private int numOutput;
    private final SamplingParams params;
    private final String cacheSalt;
    /** The LoRA adapter the sequence runs with; null for the base model. */
    private final String lora;
    private final long arrivalNanos;

    Status status = Status.WAITING;
    int numComputedTokens;
    final List<KvBlock> blocks = new ArrayList<>();
    /** Hashes of the sequence's full blocks, extended as tokens become known; tokens never change. */
    final List<BlockHash> blockHashes = new ArrayList<>();
    /** How many of {@code blocks} have been offered to the prefix cache. */
    int numRegisteredBlocks;
    /** The first blocks, released once out of every layer's sliding window (null in {@code blocks}). */
    int numReleasedBlocks;
    /** Prompt tokens found in the prefix cache when first scheduled; -1 until then. */
    int numCachedTokens = -1;
    long firstScheduledNanos;
    long firstTokenNanos;
    FinishReason finishReason;

    /**
     * @param resumedOutputIds tokens generated before a restart; they are recomputed, not resampled
     */
    public Sequence(String requestId, int[] promptIds, int[] resumedOutputIds, SamplingParams params, String cacheSalt, long arrivalNanos) {
        this(requestId, promptIds, resumedOutputIds, params, cacheSalt, null, arrivalNanos);
    }

    /**
     * @param lora the LoRA adapter it runs with, null for none: part of its blocks' hashes, so that
     *     the prefix cache never shares keys and values between adapters
     */
    public Sequence(String requestId, int[] promptIds, int[] resumedOutputIds, SamplingParams params, String cacheSalt,
            String lora, long arrivalNanos) {
        this.lora = lora;
        this.requestId = requestId;
        this.promptIds = promptIds.clone();
        this.outputIds = Arrays.copyOf(resumedOutputIds, Math.max(16, resumedOutputIds.length * 2));
        this.numOutput = resumedOutputIds.length;
        this.params = params;
        this.cacheSalt = cacheSalt;
        this.arrivalNanos = arrivalNanos;
    }

    public String requestId() { return requestId; }
    public SamplingParams params() { return params; }
    public String cacheSalt() { return cacheSalt; }
    public String lora() { return lora; }
    /** What besides its tokens a block's hash covers: the adapter and the cache salt. */
    public String blockSalt() { return BlockHash.extraKeys(lora, cacheSalt); }
    public Status status() { return status; }
    public int numPromptTokens() { return promptIds.length; }
    public int numOutputTokens() { return numOutput; }
    public int numTokens() { return promptIds.length + numOutput; }
    public int numComputedTokens() { return numComputedTokens; }
    public int numCachedTokens() { return Math.max(0, numCachedTokens); }
    public long arrivalNanos() { return arrivalNanos; }
    public long firstScheduledNanos() { return firstScheduledNanos; }
    public long firstTokenNanos() { return firstTokenNanos; }
    public FinishReason finishReason() { return finishReason; }
    public int[] promptIds() { return promptIds.clone(); }

    public int[] outputIds() {
        return Arrays.copyOf(outputIds, numOutput);
    }

    public int tokenAt(int i) {
        return i < promptIds.length ? promptIds[i] : outputIds[i - promptIds.length];
    }

    /** Tokens {@code [from, to)} of prompt and output together. */
    public int[] tokens(int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = tokenAt(i);
        }
        return out;
    }

    void appendOutput(int token, long nowNanos) {
        if (numOutput == outputIds.length) {
            outputIds = Arrays.copyOf(outputIds, numOutput * 2);
        }
        outputIds[numOutput++] = token;
        if (firstTokenNanos == 0) {
            firstTokenNanos = nowNanos;
        }
    }

    public boolean isFinished() {
        return status == Status.FINISHED;
    }
}
