package io.flinfer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The choice of a step's intra-op threads, without a model: steps whose time is a function of the
 * threads they ran on (as a machine would answer), and the settings the chooser applied.
 */
class StepThreadsTest {
    private final List<Integer> applied = new ArrayList<>();

    @Test
    void theCandidatesHalveFromTheMostThreadsDownToOne() {
        assertThat(StepThreads.candidates(1)).containsExactly(1);
        assertThat(StepThreads.candidates(2)).containsExactly(2, 1);
        assertThat(StepThreads.candidates(6)).containsExactly(6, 3, 1);
        assertThat(StepThreads.candidates(16)).containsExactly(16, 8, 4, 2, 1);
    }

    @Test
    void eachStepSizeKeepsTheThreadCountWhoseTrialStepsWereFastest() {
        StepThreads threads = new StepThreads(2, applied::add);
        // One-token steps: faster on one thread (waking the other costs more than it reads);
        // 64-token steps: faster on two.
        run(threads, 1, 2 * StepThreads.TRIAL_SAMPLES, n -> n == 1 ? 5_000_000 : 8_000_000);
        run(threads, 64, 2 * StepThreads.TRIAL_SAMPLES, n -> n == 2 ? 40_000_000 : 60_000_000);

        assertThat(threads.chosen(1)).isEqualTo(1);
        assertThat(threads.chosen(64)).isEqualTo(2);
        assertThat(threads.chosen(40)).as("the same group as 64").isEqualTo(2);
        assertThat(threads.summary()).isEqualTo("1 token: 1, 33-64 tokens: 2; larger steps: 2 (of 2 intra-op threads)");

        applied.clear();
        run(threads, 64, 1, n -> 40_000_000);
        List<Integer> ran = run(threads, 1, 10, n -> 5_000_000);
        assertThat(ran).as("after the trial every one-token step runs on its choice").containsOnly(1);
        assertThat(applied).as("the setting changes only when it differs").containsExactly(2, 1);
    }

    @Test
    void aTrialGivesEveryCandidateItsShareOfSteps() {
        StepThreads threads = new StepThreads(4, applied::add);
        List<Integer> ran = run(threads, 1, 3 * StepThreads.TRIAL_SAMPLES, n -> 1_000_000L * n);

        assertThat(ran).filteredOn(n -> n == 4).hasSize(StepThreads.TRIAL_SAMPLES);
        assertThat(ran).filteredOn(n -> n == 2).hasSize(StepThreads.TRIAL_SAMPLES);
        assertThat(ran).filteredOn(n -> n == 1).hasSize(StepThreads.TRIAL_SAMPLES);
        assertThat(threads.chosen(1)).isEqualTo(1);
    }

    @Test
    void stepsLargerThanTheTimedOnesAlwaysRunOnTheMostThreads() {
        StepThreads threads = new StepThreads(2, applied::add);
        List<Integer> ran = run(threads, StepThreads.MAX_TIMED_TOKENS + 1, 2 * StepThreads.TRIAL_SAMPLES,
                n -> n == 1 ? 1_000_000 : 2_000_000);

        assertThat(ran).containsOnly(2);
        assertThat(threads.chosen(2048)).isEqualTo(2);
        assertThat(threads.summary()).isEqualTo("not timed yet; larger steps: 2 (of 2 intra-op threads)");
    }

    @Test
    void aSlowOutlierDoesNotDecideTheTrial() {
        StepThreads threads = new StepThreads(2, applied::add);
        int[] step = {0};
        // Two threads are faster, but their first step (a kernel's one-time setup) took 100 ms.
        run(threads, 1, 2 * StepThreads.TRIAL_SAMPLES, n -> n == 2 && step[0]++ == 0 ? 100_000_000 : n == 2 ? 4_000_000 : 6_000_000);

        assertThat(threads.chosen(1)).isEqualTo(2);
    }

    @Test
    void theSecondTrialComesSoonAfterTheFirstWhichRanInAColdJvm() {
        StepThreads threads = new StepThreads(2, applied::add);
        // While the JVM compiles, two threads lose to one; once it is warm they win.
        run(threads, 1, 2 * StepThreads.TRIAL_SAMPLES, n -> n == 1 ? 6_000_000 : 8_000_000);
        assertThat(threads.chosen(1)).isEqualTo(1);

        IntToLongFunction warm = n -> n == 1 ? 6_000_000 : 4_000_000;
        run(threads, 1, StepThreads.FIRST_RETRIAL_STEPS, warm);
        assertThat(threads.chosen(1)).as("until the second trial").isEqualTo(1);
        run(threads, 1, 2 * StepThreads.TRIAL_SAMPLES, warm);
        assertThat(threads.chosen(1)).isEqualTo(2);
        assertThat(run(threads, 1, StepThreads.FIRST_RETRIAL_STEPS + 2 * StepThreads.TRIAL_SAMPLES, warm))
                .as("later trials are rarer").containsOnly(2);
    }

    @Test
    void aLaterTrialFollowsTheMachineWhenItChanges() {
        StepThreads threads = new StepThreads(2, applied::add);
        run(threads, 1, 2 * StepThreads.TRIAL_SAMPLES, n -> n == 1 ? 5_000_000 : 8_000_000);
        assertThat(threads.chosen(1)).isEqualTo(1);
        run(threads, 1, StepThreads.FIRST_RETRIAL_STEPS + 2 * StepThreads.TRIAL_SAMPLES, n -> n == 1 ? 5_000_000 : 8_000_000);
        assertThat(threads.chosen(1)).as("the second trial agrees").isEqualTo(1);

        // Another process now competes for the core the one thread runs on.
        IntToLongFunction busier = n -> n == 1 ? 12_000_000 : 8_000_000;
        run(threads, 1, StepThreads.RETRIAL_STEPS, busier);
        assertThat(threads.chosen(1)).as("until the next trial").isEqualTo(1);
        run(threads, 1, 2 * StepThreads.TRIAL_SAMPLES, busier);
        assertThat(threads.chosen(1)).isEqualTo(2);
    }

    @Test
    void oneThreadIsNeverTried() {
        StepThreads threads = new StepThreads(1, applied::add);
        List<Integer> ran = run(threads, 1, 20, n -> 1_000_000);

        assertThat(ran).containsOnly(1);
        assertThat(applied).isEmpty();
        assertThat(threads.summary()).isEqualTo("every step on the one intra-op thread");
    }

    @Test
    void anUnknownThreadsSettingSaysWhatItTakesBeforeAnythingLoads() {
        System.setProperty("flinfer.threads", "auto");
        try {
            assertThatThrownBy(() -> LlmEngine.create(EngineConfig.defaults(Path.of("/no/such/model"))))
                    .hasMessageStartingWith("-Dflinfer.threads is 'adaptive'").hasMessageEndingWith("not 'auto'");
        } finally {
            System.clearProperty("flinfer.threads");
        }
    }

    /** Runs {@code steps} steps of {@code tokens} tokens, each taking {@code nanos(threads)}; returns their threads. */
    private static List<Integer> run(StepThreads threads, int tokens, int steps, IntToLongFunction nanos) {
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            int n = threads.beforeStep(tokens);
            ran.add(n);
            threads.afterStep(tokens, nanos.applyAsLong(n));
        }
        return ran;
    }
}
