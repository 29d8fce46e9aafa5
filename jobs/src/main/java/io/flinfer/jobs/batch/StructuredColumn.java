package io.flinfer.jobs.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.operators.records.ResultSummary;
import java.io.Serializable;
import java.util.Objects;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The one output constraint of a dataset run ({@code --json-schema}, {@code --regex} or
 * {@code --choice}) and the typed column it fills: {@value #NAME} holds the generated text parsed,
 * a struct (Parquet) or object (JSONL) for a schema, the text for a regex or choice. Only finished
 * generations ({@code finish_reason: stop}) have a value; one cut by {@code max_tokens} is not valid.
 */
public final class StructuredColumn implements Serializable {
    public static final String NAME = "structured_output";
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StructuredOutput.Kind kind;
    private final String spec;
    private final boolean parquet;
    private transient Type type;

    /**
     * @param kind JSON_SCHEMA, REGEX or CHOICE
     * @param spec the schema's JSON text, the regex, or the choices as a JSON array
     * @param parquet whether the output is Parquet: values that have no Parquet type there become JSON text
     */
    public StructuredColumn(StructuredOutput.Kind kind, String spec, boolean parquet) {
        if (kind != StructuredOutput.Kind.JSON_SCHEMA && kind != StructuredOutput.Kind.REGEX && kind != StructuredOutput.Kind.CHOICE) {
            throw new IllegalArgumentException("a dataset column takes a JSON schema, a regex or a choice, not " + kind);
        }
        this.kind = kind;
        this.spec = Objects.requireNonNull(spec, "spec");
        this.parquet = parquet;
    }

    /** The engine's constraint, to compile (and refuse) before any row runs. */
    public StructuredOutput constraint() {
        return new StructuredOutput(kind, spec, false);
    }

    /** The request body's {@code structured_outputs} field that asks for it. */
    ObjectNode requestField() {
        ObjectNode field = JSON.createObjectNode();
        return switch (kind) {
            case JSON_SCHEMA -> field.set("json", parse(spec));
            case CHOICE -> field.set("choice", parse(spec));
            default -> field.put("regex", spec);
        };
    }

    Type parquetType() {
        if (type == null) {
            LogicalTypeAnnotation text = kind == StructuredOutput.Kind.CHOICE
                    ? LogicalTypeAnnotation.enumType() : LogicalTypeAnnotation.stringType();
            type = kind == StructuredOutput.Kind.JSON_SCHEMA ? SchemaParquetType.of(parse(spec), NAME)
                    : Types.optional(PrimitiveTypeName.BINARY).as(text).named(NAME);
        }
        return type;
    }

    /** The column's value for a result: the parsed output, or null when the generation did not finish. */
    JsonNode value(ResultSummary result) {
        if (!"stop".equals(result.finishReason()) || result.text() == null) {
            return NullNode.instance;
        }
        if (kind != StructuredOutput.Kind.JSON_SCHEMA) {
            return TextNode.valueOf(result.text());
        }
        JsonNode value;
        try {
            value = JSON.readTree(result.text());
        } catch (JsonProcessingException stoppedByAStopString) {
            return NullNode.instance;
        }
        return parquet ? forParquet(value, parquetType()) : value;
    }

    /** The value shaped for its Parquet type: JSON text where the type is JSON, null where it does not fit. */
    private static JsonNode forParquet(JsonNode value, Type type) {
        if (value == null || value.isNull()) {
            return NullNode.instance;
        }
        if (SchemaParquetType.isJsonText(type)) {
            return TextNode.valueOf(value.toString());
        }
        if (type.isPrimitive()) {
            boolean fits = switch (type.asPrimitiveType().getPrimitiveTypeName()) {
                case INT64 -> value.canConvertToLong();
                case DOUBLE -> value.isNumber();
                case BOOLEAN -> value.isBoolean();
                default -> value.isTextual();
            };
            return fits ? value : NullNode.instance;
        }
        GroupType group = type.asGroupType();
        if (group.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            Type element = group.getType(0).asGroupType().getType(0);
            ArrayNode list = JSON.createArrayNode();
            value.forEach(item -> list.add(forParquet(item, element)));
            return list;
        }
        ObjectNode struct = JSON.createObjectNode();
        for (Type field : group.getFields()) {
            struct.set(field.getName(), forParquet(value.get(field.getName()), field));
        }
        return struct;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
