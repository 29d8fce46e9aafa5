package io.flinfer.jobs.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.records.ResultSummary;
import java.util.List;

/**
 * The columns a dataset row gets: {@code generated_text}, {@code finish_reason}, {@code prompt_tokens},
 * {@code completion_tokens}, {@code cached_tokens} and {@code error}, read from the row's OpenAI
 * Batch API result line by {@link ResultSummary}, the one reader of result lines; a constrained run
 * adds its {@link StructuredColumn} last.
 */
public final class GeneratedColumns {
    public static final List<String> NAMES = List.of(
            "generated_text", "finish_reason", "prompt_tokens", "completion_tokens", "cached_tokens", "error");
    private static final ObjectMapper JSON = new ObjectMapper();

    private GeneratedColumns() {}

    /**
     * The row with the result's columns added after its own.
     *
     * @param structured the run's typed column, or null
     */
    static OutputRow withResult(String rowJson, String resultLine, StructuredColumn structured) {
        ObjectNode row = (ObjectNode) read(rowJson);
        ResultSummary result = ResultSummary.read(resultLine);
        if (result.failed()) {
            return withError(row, result.errorMessage(), structured);
        }
        row.put("generated_text", result.text())
                .put("finish_reason", result.finishReason())
                .put("prompt_tokens", result.promptTokens())
                .put("completion_tokens", result.completionTokens())
                .put("cached_tokens", result.cachedTokens())
                .putNull("error");
        if (structured != null) {
            row.set(StructuredColumn.NAME, structured.value(result));
        }
        return new OutputRow(row.toString(), false, result.promptTokens(), result.completionTokens(), result.cachedTokens());
    }

    /** The row with empty generated columns and the reason it got no result. */
    static OutputRow withError(String rowJson, String message, StructuredColumn structured) {
        return withError((ObjectNode) read(rowJson), message, structured);
    }

    private static OutputRow withError(ObjectNode row, String message, StructuredColumn structured) {
        for (String column : NAMES) {
            row.putNull(column);
        }
        row.put("error", message);
        if (structured != null) {
            row.putNull(StructuredColumn.NAME);
        }
        return OutputRow.error(row.toString());
    }

    /** Counts of an OpenAI result line, for an output that is the line itself. */
    static OutputRow resultLine(String resultLine) {
        ResultSummary result = ResultSummary.read(resultLine);
        return result.failed() ? OutputRow.error(resultLine)
                : new OutputRow(resultLine, false, result.promptTokens(), result.completionTokens(), result.cachedTokens());
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the job wrote JSON it cannot read back: " + e.getOriginalMessage(), e);
        }
    }
}
