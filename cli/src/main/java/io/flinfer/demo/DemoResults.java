package io.flinfer.demo;

import io.flinfer.operators.records.ResultSummary;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What came back from the pipeline during the demo: counts, token sums, and the completions (and
 * errors) of the requests with the lowest custom_ids, whatever order they arrived in.
 */
public final class DemoResults {
    /** A result line, shortened to what the demo prints. */
    public record Completion(String customId, String text) {}

    private final int keep;
    /** The model each request named, by custom_id: results are counted by model. */
    private final Map<String, String> modelOf;
    private final TreeMap<String, Integer> resultsByModel = new TreeMap<>();
    private final TreeMap<String, String> firstCompletions = new TreeMap<>();
    private final TreeMap<String, String> firstErrors = new TreeMap<>();
    private int results;
    private int errors;
    private int deadLetters;
    private long promptTokens;
    private long cachedTokens;
    private long completionTokens;

    /**
     * @param keep how many completions (and errors) to keep for printing
     * @param modelOf the model each request named, by custom_id
     */
    public DemoResults(int keep, Map<String, String> modelOf) {
        this.keep = keep;
        this.modelOf = Map.copyOf(modelOf);
    }

    /** Adds one line of the results topic (an OpenAI Batch API output line). */
    public void addResult(String line) {
        ResultSummary result = ResultSummary.read(line);
        results++;
        resultsByModel.merge(modelOf.getOrDefault(result.customId(), "?"), 1, Integer::sum);
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
    public void addDeadLetter() {
        deadLetters++;
    }

    public int results() { return results; }
    public int errors() { return errors; }
    public int deadLetters() { return deadLetters; }
    public long promptTokens() { return promptTokens; }
    public long cachedTokens() { return cachedTokens; }
    public long completionTokens() { return completionTokens; }
    public List<Completion> firstCompletions() { return completions(firstCompletions); }
    public List<Completion> firstErrors() { return completions(firstErrors); }
    /** Results (completions and errors) by the model their request named. */
    public Map<String, Integer> resultsByModel() { return resultsByModel; }

    /** Share of prompt tokens served from the prefix cache, as vLLM's prefix_cache_hits / queries. */
    public double prefixCacheHitRate() {
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
