package io.flinfer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.TreeMap;

/**
 * What came back from the pipeline during the demo: counts, token sums, and the completions (and
 * errors) of the requests with the lowest custom_ids, whatever order they arrived in.
 */
final class DemoResults {
    /** A result line, shortened to what the demo prints. */
    record Completion(String customId, String text) {}

    private static final ObjectMapper JSON = new ObjectMapper();

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
        JsonNode result = parse(line);
        results++;
        String customId = result.path("custom_id").asText();
        JsonNode body = result.path("response").path("body");
        if (result.path("response").path("status_code").asInt() != 200) {
            errors++;
            keepFirst(firstErrors, customId, result.path("error").path("message").asText(line));
            return;
        }
        JsonNode usage = body.path("usage");
        promptTokens += usage.path("prompt_tokens").asLong();
        completionTokens += usage.path("completion_tokens").asLong();
        cachedTokens += usage.path("prompt_tokens_details").path("cached_tokens").asLong();
        JsonNode choice = body.path("choices").path(0);
        String text = choice.has("message") ? choice.path("message").path("content").asText() : choice.path("text").asText();
        keepFirst(firstCompletions, customId, text);
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

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the pipeline wrote a result that is not JSON: " + line, e);
        }
    }
}
