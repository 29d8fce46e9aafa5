package io.flinfer.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.flinfer.engine.core.ScheduledBatch;
import io.flinfer.engine.core.Sequence;
import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.LlamaModel;
import io.flinfer.engine.model.LoraBatch;
import io.flinfer.engine.model.StepInput;
import io.flinfer.engine.sampling.SampledTokens;
import io.flinfer.engine.sampling.Sampler;
import io.flinfer.engine.sampling.SamplingRow;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;

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
     * holds one row of sampling state for each, in the same order; {@code loraSlot} gives the program
     * slot of a sequence's adapter, -1 for the base model.
     */
    SampledTokens run(ScheduledBatch batch, List<SamplingRow> sampling, ToIntFunction<Sequence> loraSlot) {
        int[] slots = new int[batch.sequences().size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = loraSlot.applyAsInt(batch.sequences().get(i));
        }
        // The model takes the sequences grouped by adapter, so each adapter's rows are one range.
        int[] order = IntStream.range(0, slots.length).boxed()
                .sorted(Comparator.comparingInt(i -> slots[i])).mapToInt(Integer::intValue).toArray();
        StepInput input = stepInput(batch, order);
        LoraBatch lora = loraBatch(batch, order, slots);
        profile.lap(StepProfile.Phase.PREPARE);
        if (!sampling.isEmpty() && Sampler.takesArgmaxOnly(sampling)) {
            // Every row just takes the argmax: the program takes it, where the logits are.
            long[] argmax = model.forwardArgmax(input, cache, lora);
            profile.lap(StepProfile.Phase.FORWARD);
            SampledTokens tokens = Sampler.ofArgmax(argmax);
            profile.lap(StepProfile.Phase.SAMPLE);
            return tokens;
        }
        try (NDManager step = model.manager().newSubManager()) {
            NDArray logits = model.forward(input, cache, step, lora);
            profile.lap(StepProfile.Phase.FORWARD);
            if (sampling.isEmpty()) {
                return new SampledTokens(new int[0], List.of());
            }
            SampledTokens tokens = sampler.sample(logits, sampling);
            profile.lap(StepProfile.Phase.SAMPLE);
            return tokens;
        }
    }

    /** Which rows take which adapter slot, with the sequences in {@code order}. */
    private static LoraBatch loraBatch(ScheduledBatch batch, int[] order, int[] slots) {
        LoraBatch.Builder lora = LoraBatch.builder();
        int row = 0;
        for (int i : order) {
            lora.add(slots[i], row, batch.numNewTokens()[i]);
            row += batch.numNewTokens()[i];
        }
        return lora.build();
    }

    /**
     * The batch as the model program takes it: each sequence's new tokens, in {@code order}, then the
     * logits of the sampling rows, in the batch's order of them.
     */
    private StepInput stepInput(ScheduledBatch batch, int[] order) {
        StepInput.Builder input = StepInput.builder(cache.blockSize());
        int[] position = new int[order.length];
        for (int p = 0; p < order.length; p++) {
            int i = order[p];
            position[i] = p;
            Sequence seq = batch.sequences().get(i);
            int start = seq.numComputedTokens();
            int[] tokens = new int[batch.numNewTokens()[i]];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = seq.tokenAt(start + t);
            }
            input.add(tokens, start, batch.blockTables()[i]);
            profile.readContext(start + tokens.length);
        }
        int[] logitsOf = batch.samplingRows().clone();
        for (int r = 0; r < logitsOf.length; r++) {
            logitsOf[r] = position[logitsOf[r]];
        }
        return input.build(logitsOf);
    }
}
