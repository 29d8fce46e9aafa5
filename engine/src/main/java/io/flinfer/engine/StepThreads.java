package io.flinfer.engine;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Chooses how many intra-op threads each small step runs on, by timing steps of its size on this machine.
 *
 * <p>A one-token decode step runs ~500 small operators, and every one that goes parallel pays for
 * waking and joining the other threads. Whether the extra threads' memory bandwidth is worth that
 * depends on the machine (cores or SMT siblings, a VM's wake-up cost) and on what else runs: on a 2-vCPU
 * VM (AMD EPYC Zen 5) a float32 decode step of llama-110m takes 11.5 ms on two threads and 14-15 on one,
 * but while a second OpenMP team lived in the process (see {@link TensorThread}) a bfloat16 step took
 * 8.3 ms on one thread and 11.2 ms on two. So it is measured, not assumed: steps of up to
 * {@link #MAX_TIMED_TOKENS} tokens are grouped by their token count (powers of two), and each group
 * first runs a trial, its steps taking turns over the candidate counts (the most threads, then
 * halving down to one), after which it keeps the count whose steps were fastest (median) until its
 * next trial, {@link #FIRST_RETRIAL_STEPS} steps after the first and {@link #RETRIAL_STEPS} after every
 * later one (the machine's load may change). A trial costs its
 * group a few steps at the slower counts, under 1% of its steps. Larger steps multiply matrices in
 * which every thread has work, and run on the most threads: a trial there would cost a 2048-token
 * prefill step a second on one thread.
 *
 * <p>Steps run on the engine's tensor thread, whose OpenMP setting this changes ({@code apply}),
 * and only when it changes.
 */
public final class StepThreads {
    /** Steps per candidate in a trial. */
    static final int TRIAL_SAMPLES = 8;
    /** Steps of a group between the end of one trial and the next. */
    static final int RETRIAL_STEPS = 2048;
    /**
     * Steps of a group between its first trial and its second. The first runs while the JVM compiles
     * the engine's Java side on threads that take CPUs from a step's own (on 2 vCPUs a one-token
     * bfloat16 or int8 step then chose one thread in 4 of 6 runs of the same benchmark, 15-30% slower
     * than two), so the second comes soon, in a warm JVM.
     */
    static final int FIRST_RETRIAL_STEPS = 256;
    /** The largest step whose threads are timed. */
    public static final int MAX_TIMED_TOKENS = 64;
    /** Groups of steps: 1 token, 2, 3-4, 5-8, ..., 33-64. */
    private static final int GROUPS = 7;

    private final int[] candidates;
    private final IntConsumer apply;
    private final Group[] groups = new Group[GROUPS];
    private int current;

    /**
     * @param maxThreads the most intra-op threads a step may use (the tensor thread's setting now)
     * @param apply sets the tensor thread's intra-op threads
     */
    StepThreads(int maxThreads, IntConsumer apply) {
        this.candidates = candidates(maxThreads);
        this.apply = apply;
        this.current = maxThreads;
        for (int g = 0; g < GROUPS; g++) {
            groups[g] = new Group(candidates.length);
        }
    }

    /** {@code -Dflinfer.threads}: {@code adaptive} (the default: steps' threads chosen here) or {@code fixed} (all, always). */
    public static boolean adaptive() {
        String threads = System.getProperty("flinfer.threads", "adaptive");
        if (!threads.equals("adaptive") && !threads.equals("fixed")) {
            throw new IllegalArgumentException("-Dflinfer.threads is 'adaptive' (each step size's intra-op threads timed"
                    + " on this machine, the default) or 'fixed' (every step on all of them), not '" + threads + "'");
        }
        return threads.equals("adaptive");
    }

    /** The most threads, then halving down to one: 16, 8, 4, 2, 1. */
    public static int[] candidates(int maxThreads) {
        int[] out = new int[32 - Integer.numberOfLeadingZeros(maxThreads)];
        for (int i = 0, n = maxThreads; i < out.length; i++, n /= 2) {
            out[i] = n;
        }
        return out;
    }

    /** Sets the threads a step of {@code tokens} tokens runs on, and returns them. */
    int beforeStep(int tokens) {
        int threads = tokens > MAX_TIMED_TOKENS ? candidates[0] : candidates[group(tokens).next()];
        if (threads != current) {
            apply.accept(threads);
            current = threads;
        }
        return threads;
    }

    /** Records that the step of {@code tokens} tokens {@link #beforeStep} prepared took {@code nanos}. */
    void afterStep(int tokens, long nanos) {
        if (tokens <= MAX_TIMED_TOKENS) {
            group(tokens).record(nanos);
        }
    }

    /** The threads steps of {@code tokens} tokens run on outside a trial (the most before the first trial ends). */
    int chosen(int tokens) {
        return tokens > MAX_TIMED_TOKENS ? candidates[0] : candidates[group(tokens).chosen];
    }

    /**
     * The choice of each step size that has finished a trial, as "1 token: 1, 33-64 tokens: 2; larger
     * steps: 2 (of 2 intra-op threads)"; "not timed yet" before the first.
     */
    String summary() {
        if (candidates.length == 1) {
            return "every step on the one intra-op thread";
        }
        StringBuilder out = new StringBuilder();
        for (int g = 0; g < GROUPS; g++) {
            if (groups[g].decided) {
                int high = 1 << g;
                int low = g == 0 ? 1 : high / 2 + 1;
                String size = low == high ? high + (high == 1 ? " token" : " tokens") : low + "-" + high + " tokens";
                out.append(out.isEmpty() ? "" : ", ").append(size).append(": ").append(candidates[groups[g].chosen]);
            }
        }
        return (out.isEmpty() ? "not timed yet" : out.toString()) + "; larger steps: " + candidates[0]
                + " (of " + candidates[0] + " intra-op threads)";
    }

    private Group group(int tokens) {
        return groups[32 - Integer.numberOfLeadingZeros(Math.max(tokens, 1) - 1)];
    }

    /** One size's trial samples and choice. */
    private static final class Group {
        private final long[][] samples;
        private boolean inTrial;
        private int trialSteps;
        private int stepsToTrial;
        private int chosen;
        private boolean decided;
        private int running;
        private boolean runningTrial;

        Group(int candidates) {
            samples = new long[candidates][TRIAL_SAMPLES];
            inTrial = candidates > 1;
        }

        /** The candidate the next step runs on. */
        int next() {
            runningTrial = inTrial;
            if (inTrial) {
                running = trialSteps % samples.length;
            } else {
                running = chosen;
                inTrial = samples.length > 1 && --stepsToTrial == 0;
            }
            return running;
        }

        void record(long nanos) {
            if (!runningTrial) {
                return;
            }
            samples[running][trialSteps / samples.length] = nanos;
            if (++trialSteps == samples.length * TRIAL_SAMPLES) {
                chosen = fastest();
                stepsToTrial = decided ? RETRIAL_STEPS : FIRST_RETRIAL_STEPS;
                decided = true;
                trialSteps = 0;
                inTrial = false;
            }
        }

        private int fastest() {
            int best = 0;
            for (int c = 1; c < samples.length; c++) {
                if (median(samples[c]) < median(samples[best])) {
                    best = c;
                }
            }
            return best;
        }

        private static long median(long[] values) {
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }
    }
}
