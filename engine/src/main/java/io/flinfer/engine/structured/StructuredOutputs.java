package io.flinfer.engine.structured;

import io.flinfer.engine.sampling.StructuredOutput;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An engine's structured-output support: compiled grammars with their token masks for the engine's
 * vocabulary, cached per constraint (so per constraint and tokenizer) in a bounded LRU that every
 * request of the engine shares, and the counters behind the metrics.
 */
public final class StructuredOutputs {
    /** Grammars kept; the least recently used goes first. A grammar with its masks is a few MB at most. */
    public static final int DEFAULT_CACHE_SIZE = 64;
    /** Steps whose mask times the quantiles are taken over. */
    static final int RECENT_STEPS = 1024;

    private final TokenVocabulary vocab;
    private final Map<StructuredOutput, TokenMasks> cache;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong compiles = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong compileNanos = new AtomicLong();
    private final AtomicLong maskNanos = new AtomicLong();
    private final AtomicLong masks = new AtomicLong();
    private final AtomicLong forcedTokens = new AtomicLong();
    private volatile boolean jumpForward = true;
    private final long[] recentMaskNanos = new long[RECENT_STEPS];

    public StructuredOutputs(TokenVocabulary vocab, int cacheSize) {
        this.vocab = vocab;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<StructuredOutput, TokenMasks> eldest) {
                return size() > cacheSize;
            }
        };
    }

    /**
     * A matcher for a new request, compiling its constraint unless a request before it had the same.
     *
     * @throws ConstraintException when the constraint cannot be compiled
     */
    public GrammarMatcher matcher(StructuredOutput constraint) {
        TokenMasks masks;
        synchronized (cache) {
            masks = cache.get(constraint);
        }
        if (masks == null) {
            long begin = System.nanoTime();
            masks = new TokenMasks(GrammarCompiler.compile(constraint), vocab);
            compileNanos.addAndGet(System.nanoTime() - begin);
            compiles.incrementAndGet();
            synchronized (cache) {
                cache.put(constraint, masks);
            }
        } else {
            cacheHits.incrementAndGet();
        }
        requests.incrementAndGet();
        return new GrammarMatcher(masks);
    }

    /** A cache of its own over the same vocabulary, empty: for benchmarks that time cold compiles. */
    public StructuredOutputs withEmptyCache() {
        return new StructuredOutputs(vocab, DEFAULT_CACHE_SIZE);
    }

    /**
     * Whether the engine appends a grammar's forced tokens right after a sampled token (on, the
     * default) or samples them one step each (off: the same tokens, since a forced position's mask
     * holds only its greedy spelling's next token). Off is for comparing the two in benchmarks and tests.
     */
    public boolean jumpForward() {
        return jumpForward;
    }

    public void setJumpForward(boolean on) {
        jumpForward = on;
    }

    /** Counts tokens appended by jump-forward, without a step of their own. */
    public void recordForcedTokens(int n) {
        forcedTokens.addAndGet(n);
    }

    /** Records the time one step spent computing masks, for the per-step mask time. */
    public void recordMaskTime(long nanos) {
        maskNanos.addAndGet(nanos);
        synchronized (recentMaskNanos) {
            recentMaskNanos[(int) (masks.getAndIncrement() % RECENT_STEPS)] = nanos;
        }
    }

    /**
     * A quantile of the mask time per step over the last {@value #RECENT_STEPS} steps that had
     * constrained rows (nearest rank), in nanoseconds; 0 before any such step.
     */
    public long recentMaskNanos(double quantile) {
        long[] recent;
        synchronized (recentMaskNanos) {
            recent = Arrays.copyOf(recentMaskNanos, (int) Math.min(masks.get(), RECENT_STEPS));
        }
        if (recent.length == 0) {
            return 0;
        }
        Arrays.sort(recent);
        int rank = Math.max(1, (int) Math.ceil(quantile * recent.length));
        return recent[Math.min(rank, recent.length) - 1];
    }

    public Stats stats() {
        return new Stats(requests.get(), compiles.get(), cacheHits.get(), compileNanos.get(), maskNanos.get(), masks.get(),
                forcedTokens.get());
    }

    /**
     * Totals since the engine started.
     *
     * @param requests constrained requests
     * @param compiles constraints compiled (cache misses)
     * @param cacheHits constrained requests whose grammar was cached
     * @param compileNanos time spent compiling
     * @param maskNanos time spent computing masks, over {@code maskSteps} steps with constrained rows
     * @param forcedTokens tokens jump-forward appended without a step of their own
     */
    public record Stats(long requests, long compiles, long cacheHits, long compileNanos, long maskNanos, long maskSteps,
            long forcedTokens) {}
}
