package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The Parquet schema of a dataset's output: the input's columns as they were, then the generated ones,
 * then the typed {@link StructuredColumn} of a constrained run.
 */
final class OutputSchema {
    private OutputSchema() {}

    /**
     * For a Parquet input: its own schema, with the generated columns added.
     *
     * @param structured the run's typed column, or null
     */
    static MessageType of(MessageType input, StructuredColumn structured) {
        List<Type> fields = new ArrayList<>(input.getFields());
        fields.addAll(generated());
        if (structured != null) {
            fields.add(structured.parquetType());
        }
        for (Type added : fields.subList(input.getFieldCount(), fields.size())) {
            if (input.containsField(added.getName())) {
                throw new IllegalArgumentException("the input already has a column named " + added.getName()
                        + ", which the output adds; rename or drop it first");
            }
        }
        return new MessageType(input.getName(), fields);
    }

    /**
     * For a JSONL input written as Parquet: a column per field of the first row, typed by its value
     * (text, int64, double, boolean; nested values as JSON text), all optional.
     */
    static MessageType inferred(JsonNode firstRow, StructuredColumn structured) {
        Types.MessageTypeBuilder schema = Types.buildMessage();
        for (Iterator<Map.Entry<String, JsonNode>> it = firstRow.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!GeneratedColumns.NAMES.contains(field.getKey()) && !field.getKey().equals(StructuredColumn.NAME)) {
                schema.addField(inferred(field.getKey(), field.getValue()));
            }
        }
        return of(schema.named("row"), structured);
    }

    private static Type inferred(String name, JsonNode value) {
        if (value.isIntegralNumber()) {
            return Types.optional(PrimitiveTypeName.INT64).named(name);
        }
        if (value.isNumber()) {
            return Types.optional(PrimitiveTypeName.DOUBLE).named(name);
        }
        if (value.isBoolean()) {
            return Types.optional(PrimitiveTypeName.BOOLEAN).named(name);
        }
        LogicalTypeAnnotation text = value.isContainerNode()
                ? LogicalTypeAnnotation.jsonType()
                : LogicalTypeAnnotation.stringType();
        return Types.optional(PrimitiveTypeName.BINARY).as(text).named(name);
    }

    private static List<Type> generated() {
        return List.of(
                text("generated_text"),
                text("finish_reason"),
                Types.optional(PrimitiveTypeName.INT64).named("prompt_tokens"),
                Types.optional(PrimitiveTypeName.INT64).named("completion_tokens"),
                Types.optional(PrimitiveTypeName.INT64).named("cached_tokens"),
                text("error"));
    }

    private static Type text(String name) {
        return Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
    }
}
