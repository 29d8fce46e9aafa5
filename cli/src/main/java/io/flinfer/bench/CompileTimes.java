package io.flinfer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.engine.structured.GrammarMatcher;
import io.flinfer.engine.structured.StructuredOutputs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * What a constraint costs before its first token, on an engine's vocabulary: preparing the vocabulary
 * (once per tokenizer), a cold compile (rules to automata, in an empty grammar cache), the first mask
 * at the start position (its trie walk happens on first use), and a cached compile (a cache hit).
 * Cold compiles are timed after as many unmeasured ones, so that the JIT has compiled the compiler
 * as in a TaskManager that has served a while; their thread's CPU time is kept too, which a machine
 * loaded by other work inflates far less than the wall-clock time.
 *
 * @param vocabularyMs the vocabulary's preparation, or 0 when the engine had already prepared it
 * @param coldCpuMs the CPU time of the compiling thread in each cold compile
 */
public record CompileTimes(double vocabularyMs, LatencySummary coldMs, LatencySummary coldCpuMs, LatencySummary firstMaskMs,
        LatencySummary cachedMs) {

    /** Times each step {@code repeats} times (the vocabulary once) and summarises them. */
    public static CompileTimes measure(LlmEngine engine, StructuredOutput constraint, int repeats) {
        boolean prepared = engine.structuredOutputsInUse().isPresent();
        long begin = System.nanoTime();
        StructuredOutputs outputs = engine.structuredOutputs();
        double vocabularyMs = prepared ? 0 : millisSince(begin);
        double[] cold = new double[repeats];
        double[] coldCpu = new double[repeats];
        double[] firstMask = new double[repeats];
        double[] cached = new double[repeats];
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < repeats; i++) {
            outputs.withEmptyCache().matcher(constraint);
        }
        outputs.matcher(constraint);
        for (int i = 0; i < repeats; i++) {
            StructuredOutputs empty = outputs.withEmptyCache();
            long cpu = threads.getCurrentThreadCpuTime();
            long t = System.nanoTime();
            GrammarMatcher matcher = empty.matcher(constraint);
            cold[i] = millisSince(t);
            coldCpu[i] = (threads.getCurrentThreadCpuTime() - cpu) / 1e6;
            long[] mask = matcher.newMask();
            t = System.nanoTime();
            matcher.fillMask(mask);
            firstMask[i] = millisSince(t);
            t = System.nanoTime();
            outputs.matcher(constraint);
            cached[i] = millisSince(t);
        }
        return new CompileTimes(vocabularyMs, LatencySummary.of(cold), LatencySummary.of(coldCpu), LatencySummary.of(firstMask),
                LatencySummary.of(cached));
    }

    public ObjectNode toJson() {
        ObjectNode node = new ObjectMapper().createObjectNode().put("vocabulary_ms", vocabularyMs);
        coldMs.writeTo(node.putObject("cold_compile_ms"));
        coldCpuMs.writeTo(node.putObject("cold_compile_cpu_ms"));
        firstMaskMs.writeTo(node.putObject("first_mask_ms"));
        cachedMs.writeTo(node.putObject("cached_compile_ms"));
        return node;
    }

    private static double millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e6;
    }
}
