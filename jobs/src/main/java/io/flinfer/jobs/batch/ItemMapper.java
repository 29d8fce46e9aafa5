package io.flinfer.jobs.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Turns an input record into a {@link BatchItem}: an OpenAI request line passes as it is (the parser
 * downstream judges it); a dataset row becomes a request line whose body holds the row's prompt or
 * messages, the sampling defaults, the run's output constraint and the row's override columns. Values are copied, not checked:
 * the request parser reports a bad one as it reports a bad request line.
 */
public final class ItemMapper implements MapFunction<SourceRow, BatchItem> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Starts keys of lines without a custom_id; a custom_id never holds this character in practice. */
    private static final String NO_ID = "\u0000";

    private final DatasetColumns columns;
    private final boolean manyFiles;
    private transient ObjectNode defaults;

    /**
     * @param columns null for OpenAI request files
     * @param manyFiles row numbers are only unique with their file's name
     */
    public ItemMapper(DatasetColumns columns, boolean manyFiles) {
        this.columns = columns;
        this.manyFiles = manyFiles;
    }

    @Override
    public BatchItem map(SourceRow source) {
        return columns == null ? requestLine(source) : datasetRow(source);
    }

    private BatchItem requestLine(SourceRow source) {
        JsonNode customId = parse(source.text()).path("custom_id");
        String key = customId.isTextual() && !customId.asText().isBlank()
                ? customId.asText()
                : NO_ID + source.file() + "#" + source.index();
        return new BatchItem(key, source.text(), null, null, source);
    }

    private BatchItem datasetRow(SourceRow source) {
        JsonNode row = parse(source.text());
        String key = NO_ID + source.file() + "#" + source.index();
        if (!row.isObject()) {
            return new BatchItem(key, null, "{}", source.location() + " is not a JSON object", source);
        }
        String id;
        if (columns.idColumn() != null) {
            JsonNode idValue = row.path(columns.idColumn());
            if (!idValue.isValueNode() || idValue.isNull() || idValue.asText().isBlank()) {
                return new BatchItem(key, null, source.text(), "the id column " + columns.idColumn() + " of "
                        + source.location() + " is empty", source);
            }
            id = idValue.asText();
        } else {
            id = manyFiles ? fileName(source.file()) + ":" + source.index() : String.valueOf(source.index());
        }
        return new BatchItem(id, request(id, (ObjectNode) row).toString(), source.text(), null, source);
    }

    private ObjectNode request(String id, ObjectNode row) {
        ObjectNode line = JSON.createObjectNode()
                .put("custom_id", id)
                .put("method", "POST")
                .put("url", columns.chat() ? "/v1/chat/completions" : "/v1/completions");
        ObjectNode body = defaults().deepCopy();
        for (String column : columns.overrideColumns()) {
            JsonNode value = row.get(column);
            if (value != null && !value.isNull()) {
                body.set(column, value);
            }
        }
        body.set(columns.chat() ? "messages" : "prompt", row.get(columns.inputColumn()));
        line.set("body", body);
        return line;
    }

    private ObjectNode defaults() {
        if (defaults == null) {
            defaults = (ObjectNode) parse(columns.samplingDefaults());
            if (columns.structured() != null) {
                defaults.set("structured_outputs", columns.structured().requestField());
            }
        }
        return defaults;
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node == null ? JSON.missingNode() : node;
        } catch (JsonProcessingException notJson) {
            return JSON.missingNode();
        }
    }

    private static String fileName(String file) {
        return file.substring(file.lastIndexOf('/') + 1);
    }
}
