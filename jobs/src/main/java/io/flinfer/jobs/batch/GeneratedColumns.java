package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.ResultSummary;
import java.util.List;

/**
 * The columns a dataset row gets: {@code generated_text}, {@code finish_reason}, {@code prompt_tokens},
 * {@code completion_tokens}, {@code cached_tokens} and {@code error}, taken from the row's result as
 * {@link ResultSummary} sees it, the one view of a result that every reader of results shares; a
 * constrained run adds its {@link StructuredColumn} last.
 */
public final class GeneratedColumns {
    public static final List<String> NAMES = List.of(
            "generated_text", "finish_reason", "prompt_tokens", "completion_tokens", "cached_tokens", "error");

    private GeneratedColumns() {}

    /**
     * The row with the result's columns added after its own.
     *
     * @param structured the run's typed column, or null
     */
    static OutputRow withResult(ObjectNode row, ResultLine line, StructuredColumn structured) {
        ResultSummary result = line.summary();
        if (result.failed()) {
            return withError(row, result.errorMessage(), structured);
        }
        ObjectNode out = copy(row)
                .put("generated_text", result.text())
                .put("finish_reason", result.finishReason())
                .put("prompt_tokens", result.promptTokens())
                .put("completion_tokens", result.completionTokens())
                .put("cached_tokens", result.cachedTokens())
                .putNull("error");
        if (structured != null) {
            out.set(StructuredColumn.NAME, structured.value(result));
        }
        return OutputRow.values(out, result);
    }

    /** The row with empty generated columns and the reason it got no result. */
    static OutputRow withError(ObjectNode row, String message, StructuredColumn structured) {
        ObjectNode out = copy(row);
        for (String column : NAMES) {
            out.putNull(column);
        }
        out.put("error", message);
        if (structured != null) {
            out.putNull(StructuredColumn.NAME);
        }
        return OutputRow.error(out);
    }

    /**
     * A new object with the row's columns, to which the generated ones are added: rows are shared
     * between the job's steps and never changed, and the row's values themselves are not copied.
     */
    private static ObjectNode copy(ObjectNode row) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.setAll(row);
        return out;
    }
}
