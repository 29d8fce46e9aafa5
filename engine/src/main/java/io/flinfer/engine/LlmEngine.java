package io.flinfer.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.flinfer.engine.core.BlockPool;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.core.KvCacheManager;
import io.flinfer.engine.core.ScheduledBatch;
import io.flinfer.engine.core.Scheduler;
import io.flinfer.engine.core.SchedulerConfig;
import io.flinfer.engine.core.Sequence;
import io.flinfer.engine.model.KvCache;
import io.flinfer.engine.model.ComputePaths;
import io.flinfer.engine.model.LlamaModel;
import io.flinfer.engine.model.ModelConfig;
import io.flinfer.engine.model.PathOptions;
import io.flinfer.engine.sampling.SampledTokens;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.SamplingRow;
import io.flinfer.engine.structured.GrammarMatcher;
import io.flinfer.engine.structured.StructuredOutputs;
import io.flinfer.engine.structured.TokenVocabulary;
import io.flinfer.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving engine: requests go in with {@link #addRequest}, each {@link #step} schedules a batch,
 * runs it and returns what every request produced. Not thread-safe: one thread at a time calls it.
 * Its tensor work always runs on its own {@link TensorThread}, whichever thread calls.
 */
public final class LlmEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LlmEngine.class);
    private final EngineConfig config;
    private final NDManager manager;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Scheduler scheduler;
    private final ModelRunner runner;
    private final LoraAdapters adapters;
    private final Map<String, RequestState> requests = new LinkedHashMap<>();
    private final TensorThread tensorThread = new TensorThread();
    private final StepProfile profile = new StepProfile();
    /** Null where every step runs on the tensor thread's threads: a GPU, or {@code -Dflinfer.threads=fixed}. */
    private final StepThreads stepThreads;
    /** The longest sequence, prompt and output together. */
    private final int maxModelLen;
    private final long kvCacheBytes;
    private long promptTokens;
    private long generationTokens;
    /** Built with the first constrained request: the vocabulary's preprocessing is not free. */
    private volatile StructuredOutputs structuredOutputs;

    private LlmEngine(EngineConfig config) {
        boolean adaptiveThreads = !config.device().isGpu() && StepThreads.adaptive();
        LoraConfig lora = config.lora();
        this.config = config;
        ModelConfig modelConfig = ModelConfig.load(config.modelPath());
        Precision precision = config.precision();
        if (precision.note() != null) {
            LOG.warn("{}", precision.note());
        }
        DataType dtype = precision.compute();
        int numBlocks = KvCache.numBlocks(modelConfig, precision.kvCache(), config.blockSize(),
                config.kvCacheMemoryBytes());
        maxModelLen = config.maxModelLen() > 0
                ? config.maxModelLen()
                : Math.min(modelConfig.maxPositionEmbeddings(), numBlocks * config.blockSize());
        kvCacheBytes = (long) numBlocks * config.blockSize() * KvCache.bytesPerToken(modelConfig, precision.kvCache());
        // Without chunked prefill every prompt must fit one step.
        int batchedTokens = config.enableChunkedPrefill()
                ? config.maxNumBatchedTokens()
                : Math.max(config.maxNumBatchedTokens(), maxModelLen);
        tokenizer = Tokenizer.load(config.modelPath());
        manager = NDManager.newBaseManager(config.device().djl(), "PyTorch");
        try {
            // On the tensor thread, like every step: the load-time checks run the program as steps will.
            model = tensorThread.call(() -> LlamaModel.load(config.modelPath(), maxModelLen, dtype, manager,
                    PathOptions.defaults(manager.getDevice(), dtype, config.maxNumSeqs())
                            .withInt8(precision.quantization() == Quantization.INT8)));
            // Zeroing the pool is a parallel fill: on any other thread it would start a second OpenMP
            // team, whose idle worker makes libgomp stop spinning (see TensorThread).
            KvCache cache = tensorThread.call(() -> new KvCache(modelConfig, numBlocks, config.blockSize(),
                    precision.kvCache(), model.manager()));
            ModelConfig.SlidingWindow window = modelConfig.slidingWindow();
            // Blocks out of the window are freed only where every layer slides: a global layer reads them all.
            KvCacheManager kv = new KvCacheManager(new BlockPool(numBlocks, config.enablePrefixCaching()), config.blockSize(),
                    window != null && window.everyLayer() ? window.size() : 0);
            scheduler = new Scheduler(new SchedulerConfig(config.maxNumSeqs(), batchedTokens,
                    config.enableChunkedPrefill(), lora.maxLoras()), kv);
            runner = new ModelRunner(model, cache, profile);
            adapters = tensorThread.call(() -> new LoraAdapters(lora, model));
            int room = Math.min(maxModelLen, numBlocks * config.blockSize()) - 1;
            int warmUpTokens = Math.min(Math.min(batchedTokens, LlamaModel.WARM_UP_TOKENS), room);
            tensorThread.call(() -> {
                model.warmUp(cache, warmUpTokens);
                return null;
            });
            LoadLeftovers.release();
            stepThreads = adaptiveThreads ? new StepThreads(TensorThread.numThreads(), JniUtils::setNumThreads) : null;
        } catch (RuntimeException e) {
            manager.close();
            tensorThread.close();
            throw e;
        }
    }

    /** An engine of {@code config}'s model, serving its LoRA adapters too. */
    public static LlmEngine create(EngineConfig config) {
        return new LlmEngine(config);
    }

    public Tokenizer tokenizer() { return tokenizer; }
    public ModelConfig modelConfig() { return model.config(); }
    public DataType dtype() { return model.dtype(); }
    public ComputePaths computePaths() { return model.paths(); }
    public EngineConfig config() { return config; }
    public int maxModelLen() { return maxModelLen; }
    public int blockSize() { return config.blockSize(); }
    /** The KV cache's bytes on the device: allocated whole and zeroed at load, so all of it is resident. */
    public long kvCacheBytes() { return kvCacheBytes; }
    public boolean hasUnfinishedRequests() { return scheduler.hasUnfinished(); }

    /**
     * Adds a request. {@code resumedOutputIds} are tokens it generated before a restart: they are
     * recomputed, not sampled again, and the random generator skips the draws they took.
     *
     * @throws IllegalArgumentException when the request can never be served (too long for
     *     max_model_len or for the whole KV cache, duplicate id)
     */
    public void addRequest(String requestId, int[] promptIds, SamplingParams params, String cacheSalt, int[] resumedOutputIds) {
        addRequest(requestId, promptIds, params, cacheSalt, resumedOutputIds, null);
    }

    /**
     * Adds a request that runs with LoRA adapter {@code lora} (null: the base model), loading the
     * adapter on its first use.
     *
     * @throws IllegalArgumentException as {@link #addRequest(String, int[], SamplingParams, String, int[])}
     *     does, and when the adapter is unknown or its folder cannot be loaded (saying why)
     */
    public void addRequest(String requestId, int[] promptIds, SamplingParams params, String cacheSalt,
            int[] resumedOutputIds, String lora) {
        if (requests.containsKey(requestId)) {
            throw new IllegalArgumentException("request id " + requestId + " is already in the engine");
        }
        validate(promptIds, params);
        GrammarMatcher grammar = params.structuredOutput == null ? null : structuredOutputs().matcher(params.structuredOutput);
        if (lora != null) {
            tensorThread.call(() -> {
                adapters.acquire(lora);
                return null;
            });
        }
        Sequence seq = new Sequence(requestId, promptIds, resumedOutputIds, params, cacheSalt, lora, System.nanoTime());
        requests.put(requestId, new RequestState(seq, tokenizer, resumedOutputIds, grammar));
        scheduler.add(seq);
    }

    private void validate(int[] promptIds, SamplingParams params) {
        int maxLen = maxModelLen();
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: it needs at least one token");
        }
        if (promptIds.length >= maxLen) {
            throw new IllegalArgumentException("the prompt has " + promptIds.length + " tokens, but max_model_len is "
                    + maxLen + ", which leaves no room for output; shorten the prompt");
        }
        int vocab = model.config().vocabSize();
        for (int id : promptIds) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("prompt token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int worstCaseTokens = Math.min(promptIds.length + params.maxTokens, maxLen);
        int blocks = (worstCaseTokens + config.blockSize() - 1) / config.blockSize();
        int poolBlocks = scheduler.kvCacheManager().pool().numBlocks();
        if (blocks > poolBlocks) {
            throw new IllegalArgumentException("the request needs up to " + blocks + " KV blocks ("
                    + worstCaseTokens + " tokens) but the whole KV cache has " + poolBlocks
                    + "; raise --kv-cache-memory or lower max_tokens");
        }
    }

    public void abort(String requestId) {
        RequestState state = requests.remove(requestId);
        if (state != null) {
            scheduler.finish(state.seq, FinishReason.ABORT);
            releaseAdapter(state.seq);
        }
    }

    /**
     * Starts {@code loop} on the engine's tensor thread, for a host that drives the engine from a
     * loop of its own: the engine calls the loop makes then run in place, one thread for the whole
     * step instead of a hop per call.
     */
    public Future<?> startOnTensorThread(Runnable loop) {
        return tensorThread.start(loop);
    }

    /**
     * Runs {@code work} on the engine's tensor thread and waits for it, its exceptions unwrapped: a
     * loop of steps made there pays no thread hop per step (0.3-0.45 ms on a 2-vCPU VM).
     */
    public void runOnTensorThread(Runnable work) {
        tensorThread.call(() -> {
            work.run();
            return null;
        });
    }

    /** Runs one scheduling step and returns the output of every request that produced something. */
    public List<RequestOutput> step() {
        return tensorThread.call(this::runStep);
    }

    private List<RequestOutput> runStep() {
        long begin = System.nanoTime();
        ScheduledBatch batch = scheduler.schedule(begin);
        if (batch.isEmpty()) {
            return List.of();
        }
        profile.start(begin);
        countPromptTokens(batch);
        List<SamplingRow> rows = new ArrayList<>(batch.samplingRows().length);
        boolean constrained = false;
        long masksBegin = System.nanoTime();
        for (int r : batch.samplingRows()) {
            RequestState state = requests.get(batch.sequences().get(r).requestId());
            constrained |= state.isConstrained();
            rows.add(state.samplingRow());
        }
        if (constrained) {
            structuredOutputs.recordMaskTime(System.nanoTime() - masksBegin);
        }
        profile.lap(StepProfile.Phase.SCHEDULE);
        Map<String, Integer> slots = adapters.place(batchAdapters(batch));
        int tokens = batch.totalTokens();
        long tensorsBegin = System.nanoTime();
        if (stepThreads != null) {
            stepThreads.beforeStep(tokens);
        }
        SampledTokens sampled = runner.run(batch, rows, seq -> seq.lora() == null ? -1 : slots.get(seq.lora()));
        long done = System.nanoTime();
        if (stepThreads != null) {
            stepThreads.afterStep(tokens, done - tensorsBegin);
        }
        scheduler.update(batch, sampled.tokenIds(), done);
        List<RequestOutput> outputs = new ArrayList<>(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            Sequence seq = batch.sequences().get(batch.samplingRows()[r]);
            RequestState state = requests.get(seq.requestId());
            generationTokens++;
            FinishReason finish = state.accept(sampled.tokenIds()[r],
                    sampled.logprobs().isEmpty() ? null : sampled.logprobs().get(r), maxModelLen());
            if (finish == null && state.isConstrained() && structuredOutputs.jumpForward()) {
                int before = seq.numOutputTokens();
                finish = state.jumpForward(scheduler, maxModelLen(), done);
                generationTokens += seq.numOutputTokens() - before;
                structuredOutputs.recordForcedTokens(seq.numOutputTokens() - before);
            }
            if (finish != null) {
                scheduler.finish(seq, finish);
                requests.remove(seq.requestId());
                releaseAdapter(seq);
            }
            outputs.add(state.output(done));
        }
        profile.lap(StepProfile.Phase.OUTPUT);
        return outputs;
    }

    private static Set<String> batchAdapters(ScheduledBatch batch) {
        Set<String> names = new HashSet<>();
        for (Sequence seq : batch.sequences()) {
            if (seq.lora() != null) {
                names.add(seq.lora());
            }
        }
        return names;
    }

    private void releaseAdapter(Sequence seq) {
        if (seq.lora() != null) {
            adapters.release(seq.lora());
        }
    }

    private void countPromptTokens(ScheduledBatch batch) {
        for (int i = 0; i < batch.sequences().size(); i++) {
            Sequence seq = batch.sequences().get(i);
            if (seq.numComputedTokens() < seq.numPromptTokens()) {
                promptTokens += Math.min(batch.numNewTokens()[i], seq.numPromptTokens() - seq.numComputedTokens());
            }
        }
    }

    /**
     * Starts recording every PyTorch operator the engine runs, with input shapes, for a Chrome
     * trace. PyTorch's profiler records per thread, so it starts on the tensor thread.
     */
    public void startTrace() {
        tensorThread.call(() -> {
            JniUtils.startProfile(false, true, true);
            return null;
        });
    }

    /** Stops recording and writes the Chrome trace (chrome://tracing or Perfetto read it) to {@code file}. */
    public void stopTrace(Path file) {
        tensorThread.call(() -> {
            JniUtils.stopProfile(file.toString());
            return null;
        });
    }

    /** The intra-op threads each step size runs on, as {@link StepThreads} chose them here. */
    public String stepThreads() {
        return stepThreads == null ? "every step on " + (config.device().isGpu() ? "the device" : TensorThread.numThreads()
                + " intra-op threads (-Dflinfer.threads=fixed)") : tensorThread.call(stepThreads::summary);
    }

    /** Where step time went so far; read it between steps, from the thread that calls {@link #step}. */
    public StepProfile stepProfile() {
        return profile;
    }

    /**
     * Tokens whose keys and values the unfinished requests have in the KV cache (a shared prefix
     * block counts for each request that holds it); with the allocated blocks it gives the cache's
     * occupancy.
     */
    public long numComputedTokens() {
        return requests.values().stream().mapToLong(r -> r.seq.numComputedTokens()).sum();
    }

    /** The structured-output support if a constrained request has created it, without creating it (for metrics). */
    public Optional<StructuredOutputs> structuredOutputsInUse() {
        return Optional.ofNullable(structuredOutputs);
    }

    /**
     * The engine's structured-output support: its grammar cache for this tokenizer and its counters.
     * Created on first use.
     */
    public StructuredOutputs structuredOutputs() {
        StructuredOutputs s = structuredOutputs;
        if (s == null) {
            synchronized (this) {
                s = structuredOutputs;
                if (s == null) {
                    byte[][] bytes = java.util.Arrays.copyOf(tokenizer.tokenBytes(), model.config().vocabSize());
                    s = new StructuredOutputs(new TokenVocabulary(bytes, tokenizer.eosTokenIds()),
                            StructuredOutputs.DEFAULT_CACHE_SIZE);
                    structuredOutputs = s;
                }
            }
        }
        return s;
    }

    public EngineStats stats() {
        KvCacheManager kv = scheduler.kvCacheManager();
        return new EngineStats(scheduler.numRunning(), scheduler.numWaiting(), kv.usage(), kv.prefixQueries(),
                kv.prefixHits(), scheduler.numPreemptions(), promptTokens, generationTokens,
                kv.pool().numBlocks(), kv.pool().numFreeBlocks());
    }

    /** The block pool, for checks that every block is free or cached once all requests ended. */
    public BlockPool blockPool() {
        return scheduler.kvCacheManager().pool();
    }

    @Override
    public void close() {
        tokenizer.close();
        tensorThread.call(() -> {
            adapters.close();
            manager.close();
            return null;
        });
        tensorThread.close();
    }
}
