package io.flinfer.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.TensorThread;
import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.LoraBatch;
import io.flinfer.engine.model.LlamaModel;
import io.flinfer.engine.model.ModelConfig;
import io.flinfer.engine.model.StepInput;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The baseline that continuous batching is measured against: Hugging Face-style static batching.
 * Each sequence owns a contiguous KV region of {@code max_model_len} tokens, so the batch holds as
 * many sequences as such regions fit in the same KV memory. Requests are taken in order, a batch at
 * a time; prompts are left-padded to the batch's longest, prefilled together, then every row decodes
 * until the batch's longest output is done (finished rows keep decoding padding) and no request
 * joins mid-batch. It runs the same model forward over the same paged cache as the engine (a row's
 * blocks are simply consecutive), so scheduling is the only difference. Decoding is greedy.
 *
 * <p>A request counts as finished when its own last token is out, although Hugging Face's
 * {@code generate} returns the whole batch at its end: this favours the baseline.
 */
public final class StaticBatchBenchmark {
    /** What the baseline needs of the engine options: the same model, device, dtype and KV budget. */
    public record Setup(Path model, DataType dtype, Device device, int blockSize, long kvCacheMemoryBytes, int maxModelLen) {}

    private final Setup setup;
    private final LlamaModel model;
    private final KvCache cache;
    private final int blocksPerRow;
    private final int rowsPerBatch;
    private final int padId;
    private long steps;
    private long contextTokensRead;

    private StaticBatchBenchmark(Setup setup, NDManager manager) {
        this.setup = setup;
        ModelConfig config = ModelConfig.load(setup.model());
        int numBlocks = KvCache.numBlocks(config, setup.dtype(), setup.blockSize(), setup.kvCacheMemoryBytes());
        long bytesPerBlock = KvCache.bytesPerToken(config, setup.dtype()) * setup.blockSize();
        blocksPerRow = (setup.maxModelLen() + setup.blockSize() - 1) / setup.blockSize();
        rowsPerBatch = numBlocks / blocksPerRow;
        if (rowsPerBatch < 1) {
            throw new IllegalArgumentException("static batching needs a contiguous KV region of max_model_len "
                    + setup.maxModelLen() + " tokens (" + blocksPerRow * bytesPerBlock + " bytes) per sequence, but"
                    + " --kv-cache-memory " + setup.kvCacheMemoryBytes() + " holds " + numBlocks * bytesPerBlock
                    + "; raise --kv-cache-memory or lower --max-model-len");
        }
        model = LlamaModel.load(setup.model(), setup.maxModelLen(), setup.dtype(), manager);
        cache = new KvCache(config, rowsPerBatch * blocksPerRow, setup.blockSize(), setup.dtype(), model.manager());
        // Padding is a special token (the lowest id, <unk> or <pad> in most vocabularies), as tokenizers pad.
        padId = RandomDataset.specialTokenIds(setup.model()).stream().min(Integer::compare).orElse(0);
    }

    /** How many sequences one static batch holds under {@code setup}'s KV budget. */
    public int rowsPerBatch() {
        return rowsPerBatch;
    }

    /**
     * Runs {@code requests} (all arriving at once, at the start) and reports on them.
     *
     * @param limits the machine's measured limits, for MFU and MBU
     */
    public static BenchResult run(Setup setup, List<BenchRequest> requests, MachineLimits limits,
            BenchProgress progress) {
        try (TensorThread thread = new TensorThread()) {
            return thread.call(() -> runHere(setup, requests, limits, progress));
        }
    }

    /** Runs on the calling thread; {@link #run} calls it on a tensor thread, as the engine runs its steps. */
    private static BenchResult runHere(Setup setup, List<BenchRequest> requests, MachineLimits limits,
            BenchProgress progress) {
        try (NDManager manager = NDManager.newBaseManager(setup.device(), "PyTorch")) {
            StaticBatchBenchmark bench = new StaticBatchBenchmark(setup, manager);
            for (BenchRequest r : requests) {
                if (r.promptIds().length + r.outputLen() > setup.maxModelLen()) {
                    throw new IllegalArgumentException("request " + r.id() + " needs " + (r.promptIds().length
                            + r.outputLen()) + " tokens, more than max_model_len " + setup.maxModelLen());
                }
            }
            bench.model.warmUp(bench.cache, Math.min(LlamaModel.WARM_UP_TOKENS, setup.maxModelLen() - 1));
            RunRecorder recorder = new RunRecorder(requests.size(), progress);
            for (int start = 0; start < requests.size(); start += bench.rowsPerBatch) {
                bench.runBatch(requests.subList(start, Math.min(requests.size(), start + bench.rowsPerBatch)), recorder);
            }
            ModelCosts costs = ModelCosts.of(bench.model.config(), setup.dtype(), bench.model.paths());
            return recorder.result("static", 0, costs, limits, bench.steps, bench.contextTokensRead);
        }
    }

    private void runBatch(List<BenchRequest> rows, RunRecorder recorder) {
        int n = rows.size();
        int paddedLen = rows.stream().mapToInt(r -> r.promptIds().length).max().orElseThrow();
        int longestOutput = rows.stream().mapToInt(BenchRequest::outputLen).max().orElseThrow();
        int[][] blockTables = new int[n][blocksPerRow];
        for (int r = 0; r < n; r++) {
            for (int b = 0; b < blocksPerRow; b++) {
                blockTables[r][b] = r * blocksPerRow + b;
            }
        }
        int[] queryLens = new int[n];
        int[] tokens = new int[n * paddedLen];
        for (int r = 0; r < n; r++) {
            int[] prompt = rows.get(r).promptIds();
            Arrays.fill(tokens, r * paddedLen, (r + 1) * paddedLen - prompt.length, padId);
            System.arraycopy(prompt, 0, tokens, (r + 1) * paddedLen - prompt.length, prompt.length);
            queryLens[r] = paddedLen;
        }
        int[] next = forward(tokens, 0, queryLens, blockTables);
        long now = System.nanoTime();
        long[] firstToken = new long[n];
        int[] produced = new int[n];
        Arrays.fill(firstToken, now);
        advance(rows, next, produced, firstToken, now, recorder);
        observe(rows, produced, recorder);
        Arrays.fill(queryLens, 1);
        for (int step = 1; step < longestOutput; step++) {
            int[] input = new int[n];
            for (int r = 0; r < n; r++) {
                input[r] = produced[r] < rows.get(r).outputLen() ? next[r] : padId;
            }
            next = forward(input, paddedLen + step - 1, queryLens, blockTables);
            advance(rows, next, produced, firstToken, System.nanoTime(), recorder);
            observe(rows, produced, recorder);
        }
    }

    /** Counts each unfinished row's new token, and reports rows whose output just completed. */
    private void advance(List<BenchRequest> rows, int[] sampled, int[] produced, long[] firstToken, long now,
            RunRecorder recorder) {
        for (int r = 0; r < rows.size(); r++) {
            BenchRequest request = rows.get(r);
            if (produced[r] < request.outputLen() && ++produced[r] == request.outputLen()) {
                recorder.finished(request.promptIds().length, 0, request.outputLen(), recorder.startNanos(),
                        firstToken[r], now);
            }
        }
    }

    /** Every row holds its whole region; only its real prompt and output tokens count as held. */
    private void observe(List<BenchRequest> rows, int[] produced, RunRecorder recorder) {
        long held = 0;
        for (int r = 0; r < rows.size(); r++) {
            held += rows.get(r).promptIds().length + produced[r];
        }
        recorder.kvObserved((long) rows.size() * blocksPerRow * setup.blockSize(), held);
    }

    /**
     * One forward pass of all rows, each feeding {@code queryLens[r]} tokens from {@code position};
     * returns each row's greedy next token.
     */
    private int[] forward(int[] tokens, int position, int[] queryLens, int[][] blockTables) {
        int n = queryLens.length;
        int perRow = queryLens[0];
        StepInput.Builder input = StepInput.builder(setup.blockSize());
        for (int r = 0; r < n; r++) {
            input.add(Arrays.copyOfRange(tokens, r * perRow, (r + 1) * perRow), position, blockTables[r]);
            contextTokensRead += position + perRow;
        }
        steps++;
        // The program takes the argmax, as the engine's steps of greedy rows do.
        long[] argmax = model.forwardArgmax(input.build(), cache, LoraBatch.NONE);
        int[] next = new int[n];
        for (int r = 0; r < n; r++) {
            next[r] = (int) argmax[r];
        }
        return next;
    }
}
