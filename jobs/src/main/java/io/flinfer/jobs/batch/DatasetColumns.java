package io.flinfer.jobs.batch;

import java.io.Serializable;
import java.util.List;

/**
 * How dataset rows become requests.
 *
 * @param promptColumn the column of completion prompts, or null
 * @param messagesColumn the column of chat messages (a list of {role, content}), or null; exactly one
 *     of the two is set
 * @param idColumn the column of request ids, or null for row numbers
 * @param samplingDefaults a JSON object of request-body fields with vLLM's names ({@code max_tokens},
 *     {@code temperature}, ...) for every row
 * @param overrideColumns columns whose non-null values replace the field of the same name for their row
 * @param structured the output constraint of every row and the typed column it fills, or null
 */
public record DatasetColumns(String promptColumn, String messagesColumn, String idColumn, String samplingDefaults,
        List<String> overrideColumns, StructuredColumn structured) implements Serializable {

    public DatasetColumns {
        if ((promptColumn == null) == (messagesColumn == null)) {
            throw new IllegalArgumentException("name exactly one of --prompt-column and --messages-column");
        }
        overrideColumns = List.copyOf(overrideColumns);
    }

    boolean chat() {
        return messagesColumn != null;
    }

    String inputColumn() {
        return chat() ? messagesColumn : promptColumn;
    }
}
