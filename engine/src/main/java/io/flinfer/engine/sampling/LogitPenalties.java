package io.flinfer.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The repetition, frequency and presence penalties and the banned tokens of a batch, as a few small
 * index tensors over the flattened {@code [B, V]} logits. Only the (row, token) pairs a row has
 * seen are touched, so the work grows with the token history, not with the vocabulary.
 *
 * <p>Semantics as in vLLM/HF and OpenAI, applied in this order: the repetition penalty over the
 * prompt and output tokens (positive logits divided by it, negative ones multiplied), then the
 * frequency penalty times each output token's count and the presence penalty once per distinct
 * output token, both subtracted; finally banned tokens become -inf.
 */
final class LogitPenalties {
    private final long[] penalizedIndex;
    private final float[] repetitionFactor;
    private final float[] subtracted;
    private final long[] bannedIndex;

    private LogitPenalties(long[] penalizedIndex, float[] repetitionFactor, float[] subtracted,
            long[] bannedIndex) {
        this.penalizedIndex = penalizedIndex;
        this.repetitionFactor = repetitionFactor;
        this.subtracted = subtracted;
        this.bannedIndex = bannedIndex;
    }

    static LogitPenalties of(List<SamplingRow> rows, int vocabSize) {
        Builder b = new Builder(vocabSize);
        for (int r = 0; r < rows.size(); r++) {
            b.addRow(r, rows.get(r));
        }
        return b.build();
    }

    /** Returns penalized logits; the input array is left as it was. */
    NDArray applyTo(NDArray logits) {
        if (penalizedIndex.length == 0 && bannedIndex.length == 0) {
            return logits;
        }
        NDManager manager = logits.getManager();
        NDArray flat = logits.flatten();
        if (penalizedIndex.length > 0) {
            NDArray index = manager.create(penalizedIndex);
            NDArray factor = manager.create(repetitionFactor);
            NDArray values = flat.take(index);
            NDArray repeated = NDArrays.where(values.gt(0), values.div(factor), values.mul(factor));
            flat = flat.put(index, repeated.sub(manager.create(subtracted)));
        }
        if (bannedIndex.length > 0) {
            float[] minusInf = new float[bannedIndex.length];
            Arrays.fill(minusInf, Float.NEGATIVE_INFINITY);
            flat = flat.put(manager.create(bannedIndex), manager.create(minusInf));
        }
        return flat.reshape(logits.getShape());
    }

    private static final class Builder {
        private final int vocabSize;
        private long[] index = new long[64];
        private float[] factor = new float[64];
        private float[] subtract = new float[64];
        private int size;
        private long[] banned = new long[16];
        private int bannedSize;

        Builder(int vocabSize) {
            this.vocabSize = vocabSize;
        }

        void addRow(int row, SamplingRow samplingRow) {
            SamplingParams p = samplingRow.params();
            if (p.hasPenalties()) {
                addPenalties(row, samplingRow, p);
            }
            for (int token : samplingRow.bannedTokenIds()) {
                if (bannedSize == banned.length) {
                    banned = Arrays.copyOf(banned, bannedSize * 2);
                }
                banned[bannedSize++] = flatIndex(row, token, "banned");
            }
        }

        private void addPenalties(int row, SamplingRow samplingRow, SamplingParams p) {
            Map<Integer, Integer> outputCounts = new HashMap<>();
            for (int token : samplingRow.outputTokenIds()) {
                outputCounts.merge(token, 1, Integer::sum);
            }
            Set<Integer> seen = new HashSet<>(outputCounts.keySet());
            if (p.repetitionPenalty != 1) {
                for (int token : samplingRow.promptTokenIds()) {
                    seen.add(token);
                }
            }
            float repetition = (float) p.repetitionPenalty;
            for (int token : seen) {
                int count = outputCounts.getOrDefault(token, 0);
                double minus = p.frequencyPenalty * count + (count > 0 ? p.presencePenalty : 0);
                add(flatIndex(row, token, "prompt/output"), repetition, (float) minus);
            }
        }

        private void add(long flatIndex, float repetition, float minus) {
            if (size == index.length) {
                index = Arrays.copyOf(index, size * 2);
                factor = Arrays.copyOf(factor, size * 2);
                subtract = Arrays.copyOf(subtract, size * 2);
            }
            index[size] = flatIndex;
            factor[size] = repetition;
            subtract[size] = minus;
            size++;
        }

        private long flatIndex(int row, int token, String what) {
            if (token < 0 || token >= vocabSize) {
                throw new IllegalArgumentException("batch row " + row + " has " + what + " token id "
                        + token + " outside the vocabulary [0, " + vocabSize
                        + "); the logits' last dimension must be the model's vocabulary size");
            }
            return (long) row * vocabSize + token;
        }

        LogitPenalties build() {
            return new LogitPenalties(Arrays.copyOf(index, size), Arrays.copyOf(factor, size),
                    Arrays.copyOf(subtract, size), Arrays.copyOf(banned, bannedSize));
        }
    }
}
