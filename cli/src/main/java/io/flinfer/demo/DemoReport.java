package io.flinfer.demo;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** Prints what the demo produced: a few completions, then the summary. */
public final class DemoReport {
    /** Longest completion text printed, so that a rambling model does not flood the terminal. */
    private static final int MAX_TEXT = 160;

    /** Time to first token at the 50th and 99th percentile, in microseconds; empty when unknown. */
    public record Ttft(OptionalDouble p50Micros, OptionalDouble p99Micros) {
        public static Ttft unknown() {
            return new Ttft(OptionalDouble.empty(), OptionalDouble.empty());
        }
    }

    private DemoReport() {}

    /** @param cues each request's distinct part: its question, or the cue its story goes on from */
    public static void print(PrintWriter out, DemoModel model, Map<String, String> cues, DemoResults results,
            int requests, Duration elapsed, Ttft ttft) {
        out.println();
        out.println("Completions (" + results.firstCompletions().size() + " of " + results.results() + "), model "
                + model.name() + ":");
        for (DemoResults.Completion c : results.firstCompletions()) {
            out.println("  " + c.customId() + "  ..." + cues.getOrDefault(c.customId(), "?"));
            out.println("            " + model.label("> " + oneLine(c.text())));
        }
        for (DemoResults.Completion e : results.firstErrors()) {
            out.println("  " + e.customId() + "  error: " + e.text());
        }
        out.println();
        out.println("Summary" + (model.randomWeights() ? " " + DemoModel.RANDOM_LABEL : "") + ":");
        out.printf("  requests:           %d sent, %d results (%d ok, %d errors)%n", requests, results.results(),
                results.results() - results.errors(), results.errors());
        double seconds = elapsed.toNanos() / 1e9;
        out.printf("  output tokens/s:    %.1f (%d tokens in %.1f s, publish to last result, incl. checkpoint commits)%n",
                results.completionTokens() / seconds, results.completionTokens(), seconds);
        out.printf("  TTFT p50 / p99:     %s / %s%n", millis(ttft.p50Micros()), millis(ttft.p99Micros()));
        out.printf("  prefix-cache hits:  %.1f%% of prompt tokens (%d cached of %d)%n",
                100 * results.prefixCacheHitRate(), results.cachedTokens(), results.promptTokens());
        out.printf("  dead letters:       %d%n", results.deadLetters());
        if (results.resultsByModel().size() > 1) {
            out.printf("  results by model:   %s%n", results.resultsByModel().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        }
        out.flush();
    }

    private static String millis(OptionalDouble micros) {
        return micros.isPresent() ? String.format("%.0f ms", micros.getAsDouble() / 1000) : "n/a";
    }

    private static String oneLine(String text) {
        String flat = text.replaceAll("\\s+", " ").strip();
        return flat.length() <= MAX_TEXT ? flat : flat.substring(0, MAX_TEXT) + "...";
    }
}
