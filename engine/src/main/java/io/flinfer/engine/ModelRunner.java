package io.flinfer.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinfer.engine.core.ScheduledBatch;
import io.flinfer.engine.core.Sequence;
import io.flinfer.engine.model.ForwardBatch;
import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.LlamaModel;
import io.flinfer.engine.sampling.SampledTokens;
import io.flinfer.engine.sampling.Sampler;
import io.flinfer.engine.sampling.SamplingRow;
import java.util.List;

/**
 * Turns a scheduled batch into the model's input, runs the model and samples. Each step's tensors
 * live in a child manager closed at the end of the step; only the weights and the KV cache outlive
 * it.
 */
final class ModelRunner {
    private final LlamaModel model;
    private final KvCache cache;
    private final Sampler sampler = new Sampler();
    private final StepProfile profile;

    ModelRunner(LlamaModel model, KvCache cache, StepProfile profile) {
        this.model = model;
        this.cache = cache;
        this.profile = profile;
    }

    /**
     * Runs one step. The model computes logits only for the batch's sampling rows; {@code sampling}
     * holds one row of sampling state for each, in the same order.
     */
    SampledTokens run(ScheduledBatch batch, List<SamplingRow> sampling) {
        ForwardBatch input = forwardBatch(batch);
        profile.lap(StepProfile.Phase.PREPARE);
        try (NDManager step = model.manager().newSubManager()) {
            NDArray logits = model.forward(input, cache, step);
            profile.lap(StepProfile.Phase.FORWARD);
            if (sampling.isEmpty()) {
                return new SampledTokens(new int[0], List.of());
            }
            SampledTokens tokens = sampler.sample(logits, sampling);
            profile.lap(StepProfile.Phase.SAMPLE);
            return tokens;
        }
    }

    private ForwardBatch forwardBatch(ScheduledBatch batch) {
        int total = batch.totalTokens();
        int[] tokens = new int[total];
        int[] positions = new int[total];
        int[] slots = new int[total];
        int n = batch.sequences().size();
        int[] contextLens = new int[n];
        int[] lastToken = new int[n];
        int blockSize = cache.blockSize();
        int t = 0;
        for (int i = 0; i < n; i++) {
            Sequence seq = batch.sequences().get(i);
            int[] table = batch.blockTables()[i];
            int start = seq.numComputedTokens();
            for (int p = start; p < start + batch.numNewTokens()[i]; p++, t++) {
                tokens[t] = seq.tokenAt(p);
                positions[t] = p;
                slots[t] = table[p / blockSize] * blockSize + p % blockSize;
            }
            contextLens[i] = start + batch.numNewTokens()[i];
            lastToken[i] = t - 1;
            profile.readContext(contextLens[i]);
        }
        int[] logitRows = new int[batch.samplingRows().length];
        for (int r = 0; r < logitRows.length; r++) {
            logitRows[r] = lastToken[batch.samplingRows()[r]];
        }
        return new ForwardBatch(tokens, positions, slots, batch.numNewTokens(), contextLens, batch.blockTables(),
                logitRows);
    }
}
