package io.flinfer.jobs.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.prepare.ParseMetrics;
import io.flinfer.operators.records.ParsedRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultLine;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Turns an input record into a {@link BatchItem}, parsing it once: an OpenAI request line is judged
 * by the same {@link RequestParser} as a Kafka record; a dataset row becomes a request tree whose body
 * holds the row's prompt or messages, the sampling defaults, the run's output constraint and the row's
 * override columns, which
 * the parser judges as a request line, so a bad cell gets the error a bad request line gets. What it
 * refuses is counted as the streaming job's parse step counts it ({@link ParseMetrics}).
 */
public final class ItemMapper extends RichMapFunction<SourceRow, BatchItem> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Starts keys of lines without a custom_id; a custom_id never holds this character in practice. */
    private static final String NO_ID = "\u0000";

    private final DatasetColumns columns;
    private final boolean manyFiles;
    private final RequestParser parser;
    private transient ObjectNode defaults;
    private transient ParseMetrics metrics;

    /**
     * @param columns null for OpenAI request files
     * @param manyFiles row numbers are only unique with their file's name
     */
    public ItemMapper(DatasetColumns columns, boolean manyFiles, RequestParser parser) {
        this.columns = columns;
        this.manyFiles = manyFiles;
        this.parser = parser;
    }

    @Override
    public void open(OpenContext context) {
        metrics = new ParseMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public BatchItem map(SourceRow source) {
        return columns == null ? requestLine(source) : datasetRow(source);
    }

    private BatchItem requestLine(SourceRow source) {
        ParsedRecord parsed = parser.parse(source.line().getBytes(StandardCharsets.UTF_8));
        metrics.count(parsed);
        if (parsed instanceof ParsedRecord.NotARequest notARequest) {
            return BatchItem.refused(NO_ID + source.file() + "#" + source.index(), source, null,
                    "line " + (source.index() + 1) + " of " + source.file() + " is not a request: " + notARequest.reason());
        }
        return item(parsed, source, null);
    }

    private BatchItem datasetRow(SourceRow source) {
        JsonNode row = source.values() != null ? source.values() : parse(source.line());
        String key = NO_ID + source.file() + "#" + source.index();
        if (!row.isObject()) {
            return BatchItem.refused(key, source, JSON.createObjectNode(), source.location() + " is not a JSON object");
        }
        ObjectNode values = (ObjectNode) row;
        String id;
        if (columns.idColumn() != null) {
            JsonNode idValue = row.path(columns.idColumn());
            if (!idValue.isValueNode() || idValue.isNull() || idValue.asText().isBlank()) {
                return BatchItem.refused(key, source, values, "the id column " + columns.idColumn() + " of "
                        + source.location() + " is empty");
            }
            id = idValue.asText();
        } else {
            id = manyFiles ? fileName(source.file()) + ":" + source.index() : String.valueOf(source.index());
        }
        ParsedRecord parsed = parser.parse(request(id, values));
        metrics.count(parsed);
        return item(parsed, source, values);
    }

    /** A request, or the error result of one that cannot be served; the parse step of the streaming job judges alike. */
    private static BatchItem item(ParsedRecord parsed, SourceRow source, ObjectNode row) {
        if (parsed instanceof ParsedRecord.Valid valid) {
            return BatchItem.request(valid.request().customId(), source, row, valid.request());
        }
        if (parsed instanceof ParsedRecord.BadRequest bad) {
            return BatchItem.answered(bad.customId(), source, row, ResultLine.error(bad.customId(), bad.error(), bad.message()));
        }
        throw new IllegalStateException("a request built from a row always has its custom_id: " + parsed);
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
