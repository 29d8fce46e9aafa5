package io.flinfer.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that issues an engine's tensor work: the same steps run 3 to 10 times slower when
 * issued from the JVM's main thread than from a thread of their own (PyTorch's per-thread OpenMP
 * state), and a dedicated thread keeps other threads from competing with it.
 *
 * <p>PyTorch keeps several settings per thread, so the thread sets them once: no autograd (the
 * engine never trains), no TorchScript graph optimization (it inlines the program's function calls,
 * yet decode steps that took turns with it on and off in one process ran no faster with it), and as
 * many intra-op threads as the JVM sees processors (which honours container CPU limits; override with
 * {@code -Dai.djl.pytorch.num_threads=N}). Benchmarks run their baselines on one too, so that
 * both sides of a comparison issue their work the same way.
 *
 * <p>All of an engine's tensor work, its set-up included, belongs here: libgomp gives every thread
 * that starts a parallel region an OpenMP team of its own, and while the process holds more OpenMP
 * threads than CPUs, every team's workers sleep between regions instead of spinning. One stray
 * parallel fill on the caller's thread made each of a decode step's ~60 regions pay two sleeps and
 * wake-ups, a third of a one-token step on a 2-vCPU machine.
 */
public final class TensorThread implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TensorThread.class);
    /** Tensor threads open in this JVM: each is an OpenMP team of {@link #numThreads()} threads. */
    private static final AtomicInteger OPEN = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread thread;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "flinfer-tensors");
        t.setDaemon(true);
        thread = t;
        return t;
    });

    public TensorThread() {
        oversubscription(OPEN.incrementAndGet(), numThreads(), Runtime.getRuntime().availableProcessors())
                .ifPresent(LOG::warn);
        call(() -> {
            configure();
            return null;
        });
    }

    /** Intra-op threads a tensor thread uses: the processors the JVM sees, or {@code -Dai.djl.pytorch.num_threads}. */
    public static int numThreads() {
        return Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
    }

    private static void configure() {
        Engine.getEngine("PyTorch"); // loads the native library the settings below call into
        JniUtils.setGradMode(false);
        JniUtils.setGraphExecutorOptimize(false);
        JniUtils.setNumThreads(numThreads());
    }

    /**
     * Runs {@code work} on the tensor thread and waits for it; its exceptions come back unwrapped.
     * Called from the tensor thread itself, it runs in place.
     */
    public <T> T call(Supplier<T> work) {
        if (Thread.currentThread() == thread) {
            return work.get();
        }
        Future<T> result = executor.submit(work::get);
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the engine was stepping", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Starts {@code loop} on the tensor thread, so that the engine calls it makes need no hop. */
    Future<?> start(Runnable loop) {
        return executor.submit(loop);
    }

    /**
     * The warning for {@code teams} open tensor threads of {@code threads} intra-op threads each on
     * {@code processors}, where their OpenMP threads outnumber the processors.
     */
    static Optional<String> oversubscription(int teams, int threads, int processors) {
        if (teams < 2 || (long) teams * threads <= processors) {
            return Optional.empty();
        }
        int share = Math.max(1, processors / teams);
        return Optional.of(String.format("%d engines in this JVM with %d intra-op threads each, on %d processors: with more"
                + " OpenMP threads than processors libgomp puts waiting threads to sleep between parallel regions, and every"
                + " step slows down; give each at most %d (-Dai.djl.pytorch.num_threads=%d)", teams, threads, processors,
                share, share));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            OPEN.decrementAndGet();
        }
        executor.shutdown();
    }
}
