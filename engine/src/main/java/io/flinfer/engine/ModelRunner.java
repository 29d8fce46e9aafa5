package io.flinfer.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
 * Turns a scheduled batch into the model's input tensors, runs the model and samples. Each step's
 * tensors live in a child manager closed at the end of the step; only the weights and the KV cache
 * outlive it.
 */
final class ModelRunner {
    private final LlamaModel model;
    private final KvCache cache;
    private final Sampler sampler = new Sampler();

    ModelRunner(LlamaModel model, KvCache cache) {
        this.model = model;
        this.cache = cache;
    }

    /**
     * Runs one step. {@code sampling} holds a row for each sequence that catches up in this step
     * (in batch order); the others are mid-prefill and get no token.
     *
     * @param samplingRows indices into the batch of the sequences to sample for
     */
    SampledTokens run(ScheduledBatch batch, int[] samplingRows, List<SamplingRow> sampling, int[][] blockTables) {
        ForwardBatch input = forwardBatch(batch, blockTables);
        try (NDManager step = model.manager().newSubManager()) {
            NDArray logits = model.forward(input, cache, step);
            if (sampling.isEmpty()) {
                return new SampledTokens(new int[0], List.of());
            }
            if (samplingRows.length != batch.sequences().size()) {
                logits = logits.get(new NDIndex("{}", step.create(samplingRows)));
            }
            return sampler.sample(logits, sampling);
        }
    }

    private ForwardBatch forwardBatch(ScheduledBatch batch, int[][] blockTables) {
        int total = batch.totalTokens();
        int[] tokens = new int[total];
        int[] positions = new int[total];
        int[] slots = new int[total];
        int n = batch.sequences().size();
        int[] contextLens = new int[n];
        int blockSize = cache.blockSize();
        int t = 0;
        for (int i = 0; i < n; i++) {
            Sequence seq = batch.sequences().get(i);
            int start = seq.numComputedTokens();
            for (int p = start; p < start + batch.numNewTokens()[i]; p++, t++) {
                tokens[t] = seq.tokenAt(p);
                positions[t] = p;
                slots[t] = blockTables[i][p / blockSize] * blockSize + p % blockSize;
            }
            contextLens[i] = start + batch.numNewTokens()[i];
        }
        return new ForwardBatch(tokens, positions, slots, batch.numNewTokens(), contextLens, blockTables);
    }
}
