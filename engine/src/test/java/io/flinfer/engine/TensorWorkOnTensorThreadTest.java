package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Creating an engine and stepping it leaves the calling thread without an OpenMP team of its own:
 * every parallel region runs on the tensor thread. libgomp gives each thread that starts a parallel
 * region a team, and once the process holds more OpenMP threads than CPUs, every team's idle workers
 * sleep between regions instead of spinning: a one-token float32 step of llama-110m took 16 ms on two
 * threads instead of 11.5 on a 2-vCPU machine, when the KV cache was zeroed on the caller's thread.
 *
 * <p>A thread's workers inherit its name (Linux copies it to each new thread), so the caller's team
 * shows in /proc as threads named like the caller.
 */
class TensorWorkOnTensorThreadTest {
    private static final String CALLER = "engine-caller";
    private static final int[] PROMPT = {1, 403, 407, 261, 378};

    @Test
    void theCallersThreadStartsNoOpenMpTeam() throws InterruptedException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "threads are listed in /proc (Linux)");
        assumeTrue(TensorThread.numThreads() > 1, "with one intra-op thread no region starts a team");
        AtomicReference<List<String>> namesakes = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            // 16 MiB of KV cache: each layer's pool is large enough for a parallel fill.
            try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(BundledModels.stories260K())
                    .withKvCacheMemory(16 << 20))) {
                engine.addRequest("a", PROMPT, SamplingParams.greedy(8), null, new int[0]);
                while (engine.hasUnfinishedRequests()) {
                    engine.step();
                }
                namesakes.set(threadsNamed(CALLER));
            } catch (Throwable t) {
                failure.set(t);
            }
        }, CALLER);
        caller.start();
        caller.join();

        assertThat(failure.get()).isNull();
        assertThat(namesakes.get()).as("threads named %s: the caller and any OpenMP workers it started", CALLER)
                .hasSize(1);
    }

    private static List<String> threadsNamed(String name) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> name.equals(comm(task))).map(task -> task.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
            return ""; // the thread ended while listed
        }
    }
}
