package io.flinfer.operators.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.models.BundledModels;
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
        host = new EngineHost(EngineConfig.defaults(BundledModels.stories260K()).withKvCacheMemory(8 << 20));
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
        host.submit("ok", PROMPT, SamplingParams.greedy(12), null, new int[0], null, far(), listener);
        RequestOutput out = listener.finished.get(60, TimeUnit.SECONDS);
        assertThat(out.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(out.outputTokenIds()).hasSize(12);
        assertThat(listener.tokens.get()).as("tokens reported before the end").isEqualTo(11);
    }

    @Test
    void aRequestPastItsDeadlineIsAbortedWithAnError() throws Exception {
        Listener listener = new Listener();
        SamplingParams longRun = SamplingParams.builder().temperature(0).maxTokens(400).ignoreEos(true).build();
        host.submit("slow", PROMPT, longRun, null, new int[0], null, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), listener);
        Failure failure = listener.failed.get(60, TimeUnit.SECONDS);
        assertThat(failure.kind()).isEqualTo(GenerationFailure.TIMEOUT);
        assertThat(failure.message()).isEqualTo(EngineHost.TIMED_OUT);
        assertThat(listener.finished).as("a failed request does not also finish").isNotDone();
        assertThat(host.engine().hasUnfinishedRequests()).as("the engine dropped it").isFalse();
    }

    @Test
    void aRequestTheEngineRefusesComesBackAsAnError() throws Exception {
        Listener listener = new Listener();
        host.submit("too-long", new int[600], SamplingParams.greedy(4), null, new int[0], null, far(), listener);
        Failure failure = listener.failed.get(60, TimeUnit.SECONDS);
        assertThat(failure.kind()).isEqualTo(GenerationFailure.REJECTED);
        assertThat(failure.message()).contains("max_model_len");
    }

    private static long far() {
        return System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    }

    private record Failure(GenerationFailure kind, String message) {}

    private static final class Listener implements GenerationListener {
        final AtomicInteger tokens = new AtomicInteger();
        final CompletableFuture<RequestOutput> finished = new CompletableFuture<>();
        final CompletableFuture<Failure> failed = new CompletableFuture<>();

        @Override
        public void onTokens(int[] newTokenIds) {
            tokens.addAndGet(newTokenIds.length);
        }

        @Override
        public void onFinished(RequestOutput output) {
            finished.complete(output);
        }

        @Override
        public void onFailed(GenerationFailure kind, String message) {
            failed.complete(new Failure(kind, message));
        }
    }
}
