package io.flinfer.cli;

import io.flinfer.operators.records.ResultSummary;
import java.util.List;
import java.util.TreeMap;

/**
 * What came back from the pipeline during the demo: counts, token sums, and the completions (and
 * errors) of the requests with the lowest custom_ids, whatever order they arrived in.
 */
final class DemoResults {
    /** A result line, shortened to what the demo prints. */
    record Completion(String customId, String text) {}

    private final int keep;
    private final TreeMap<String, String> firstCompletions = new TreeMap<>();
    private final TreeMap<String, String> firstErrors = new TreeMap<>();
    private int results;
    private int errors;
    private int deadLetters;
    private long promptTokens;
    private long cachedTokens;
    private long completionTokens;

    /** @param keep how many completions (and errors) to keep for printing */
    DemoResults(int keep) {
        this.keep = keep;
    }

    /** Adds one line of the results topic (an OpenAI Batch API output line). */
    void addResult(String line) {
        ResultSummary result = ResultSummary.read(line);
        results++;
        if (result.failed()) {
            errors++;
            keepFirst(firstErrors, result.customId(), result.errorMessage());
            return;
        }
        promptTokens += result.promptTokens();
        completionTokens += result.completionTokens();
        cachedTokens += result.cachedTokens();
        keepFirst(firstCompletions, result.customId(), result.text());
    }

    /** Counts one record of the dead-letter topic. */
    void addDeadLetter() {
        deadLetters++;
    }

    int results() { return results; }
    int errors() { return errors; }
    int deadLetters() { return deadLetters; }
    long promptTokens() { return promptTokens; }
    long cachedTokens() { return cachedTokens; }
    long completionTokens() { return completionTokens; }
    List<Completion> firstCompletions() { return completions(firstCompletions); }
    List<Completion> firstErrors() { return completions(firstErrors); }

    /** Share of prompt tokens served from the prefix cache, as vLLM's prefix_cache_hits / queries. */
    double prefixCacheHitRate() {
        return promptTokens == 0 ? 0 : (double) cachedTokens / promptTokens;
    }

    private void keepFirst(TreeMap<String, String> kept, String customId, String text) {
        kept.put(customId, text);
        if (kept.size() > keep) {
            kept.pollLastEntry();
        }
    }

    private static List<Completion> completions(TreeMap<String, String> kept) {
        return kept.entrySet().stream().map(e -> new Completion(e.getKey(), e.getValue())).toList();
    }
}
