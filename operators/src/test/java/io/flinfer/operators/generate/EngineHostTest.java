package io.flinfer.operators.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.sampling.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine thread: requests finish, a request past its deadline gets an error, a refused one too. */
class EngineHostTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378};
    private static EngineHost host;

    @BeforeAll
    static void startEngine() {
        Path shared = Path.of(System.getProperty("flinfer.shared", "../shared")).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(shared.resolve("models")), "skipped: no shared test data at " + shared);
        host = new EngineHost(EngineConfig.defaults(shared.resolve("models/stories260K")).withKvCacheMemory(8 << 20));
    }

    @AfterAll
    static void stopEngine() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void reportsTokensThenTheFinishedOutput() throws Exception {
        Listener listener = new Listener();
        host.submit("ok", PROMPT, SamplingParams.greedy(12), null, new int[0], far(), listener);
        RequestOutput out = listener.finished.get(60, TimeUnit.SECONDS);
        assertThat(out.error()).isNull();
        assertThat(out.outputTokenIds()).hasSize(12);
        assertThat(listener.tokens.get()).as("tokens reported before the end").isEqualTo(11);
    }

    @Test
    void aRequestPastItsDeadlineIsAbortedWithAnError() throws Exception {
        Listener listener = new Listener();
        SamplingParams longRun = SamplingParams.builder().temperature(0).maxTokens(400).ignoreEos(true).build();
        host.submit("slow", PROMPT, longRun, null, new int[0], System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), listener);
        RequestOutput out = listener.finished.get(60, TimeUnit.SECONDS);
        assertThat(out.error()).isEqualTo(EngineHost.TIMED_OUT);
        assertThat(out.finishReason()).isEqualTo("error");
        assertThat(host.engine().hasUnfinishedRequests()).as("the engine dropped it").isFalse();
    }

    @Test
    void aRequestTheEngineRefusesComesBackAsAnError() throws Exception {
        Listener listener = new Listener();
        host.submit("too-long", new int[600], SamplingParams.greedy(4), null, new int[0], far(), listener);
        RequestOutput out = listener.finished.get(60, TimeUnit.SECONDS);
        assertThat(out.error()).contains("max_model_len");
    }

    private static long far() {
        return System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    }

    private static final class Listener implements GenerationListener {
        final AtomicInteger tokens = new AtomicInteger();
        final CompletableFuture<RequestOutput> finished = new CompletableFuture<>();

        @Override
        public void onTokens(int[] newTokenIds) {
            tokens.addAndGet(newTokenIds.length);
        }

        @Override
        public void onFinished(RequestOutput output) {
            finished.complete(output);
        }
    }
}
