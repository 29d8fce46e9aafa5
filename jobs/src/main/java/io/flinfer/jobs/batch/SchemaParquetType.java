package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * The Parquet type of the values a JSON Schema allows: objects with fixed properties become structs,
 * arrays of one item schema lists, strings text, integers int64, numbers double, booleans boolean.
 * What has no single Parquet type (unions, {@code anyOf}, open objects, recursion, tuples, nulls)
 * becomes JSON text, so every value the schema allows has a place. All fields are optional: a row
 * whose generation did not finish has no value.
 */
final class SchemaParquetType {
    /** Names Parquet's text form of a schema reads back; others make their object JSON text. */
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final JsonNode root;
    private final Set<String> refsInProgress = new HashSet<>();

    private SchemaParquetType(JsonNode root) {
        this.root = root;
    }

    static Type of(JsonNode schema, String name) {
        SchemaParquetType types = new SchemaParquetType(schema);
        types.refsInProgress.add(""); // the root: a "#" inside it is recursion
        return types.type(schema, name);
    }

    /** Whether a field of this type holds JSON text rather than a typed value. */
    static boolean isJsonText(Type type) {
        return type.isPrimitive() && type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
    }

    private Type type(JsonNode schema, String name) {
        JsonNode ref = schema.get("$ref");
        if (ref != null && ref.isTextual() && ref.asText().startsWith("#")) {
            String pointer = ref.asText().substring(1);
            if (!refsInProgress.add(pointer)) {
                return jsonText(name); // a recursive schema has no finite Parquet type
            }
            try {
                return type(root.at(pointer), name);
            } finally {
                refsInProgress.remove(pointer);
            }
        }
        JsonNode values = schema.has("const") ? schema.path("const") : schema.get("enum");
        if (values != null) {
            return enumType(values, name);
        }
        String type = singleType(schema);
        if (type == null) {
            return jsonText(name);
        }
        return switch (type) {
            case "string" -> text(name);
            case "integer" -> Types.optional(PrimitiveTypeName.INT64).named(name);
            case "number" -> Types.optional(PrimitiveTypeName.DOUBLE).named(name);
            case "boolean" -> Types.optional(PrimitiveTypeName.BOOLEAN).named(name);
            case "object" -> struct(schema, name);
            case "array" -> list(schema, name);
            default -> jsonText(name);
        };
    }

    /**
     * The one type a schema's values have, or null when it allows several or says nothing; without
     * {@code type}, {@code properties} or {@code items} imply it, as the constraint compiler reads them.
     */
    private static String singleType(JsonNode schema) {
        JsonNode type = schema.path("type");
        if (type.isTextual()) {
            return type.asText();
        }
        if (type.isMissingNode() && !schema.has("anyOf") && !schema.has("oneOf")) {
            return schema.has("properties") ? "object" : schema.has("items") ? "array" : null;
        }
        return null;
    }

    private Type enumType(JsonNode values, String name) {
        List<JsonNode> all = new ArrayList<>();
        if (values.isArray()) {
            values.forEach(all::add);
        } else {
            all.add(values);
        }
        if (!all.isEmpty() && all.stream().allMatch(JsonNode::isTextual)) {
            return text(name);
        }
        if (!all.isEmpty() && all.stream().allMatch(JsonNode::canConvertToLong)) {
            return Types.optional(PrimitiveTypeName.INT64).named(name);
        }
        return jsonText(name);
    }

    private Type struct(JsonNode schema, String name) {
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        boolean closed = additional.isMissingNode() || (additional.isBoolean() && !additional.asBoolean());
        if (!closed || !properties.isObject() || properties.isEmpty() || schema.has("anyOf") || schema.has("oneOf")
                || schema.has("allOf")) {
            return jsonText(name);
        }
        List<Type> fields = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            if (!FIELD_NAME.matcher(property.getKey()).matches()) {
                return jsonText(name);
            }
            fields.add(type(property.getValue(), property.getKey()));
        }
        return new GroupType(Type.Repetition.OPTIONAL, name, fields);
    }

    private Type list(JsonNode schema, String name) {
        JsonNode items = schema.get("items");
        if (items == null || !items.isObject() || schema.has("prefixItems")) {
            return jsonText(name);
        }
        Type element = type(items, "element");
        return Types.optionalList().setElementType(element).named(name);
    }

    private static Type text(String name) {
        return Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
    }

    private static Type jsonText(String name) {
        return Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.jsonType()).named(name);
    }
}
