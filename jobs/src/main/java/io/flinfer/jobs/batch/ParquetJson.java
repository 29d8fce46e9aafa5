package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Parquet rows as JSON trees and back, driven by the file's schema, so a row can travel through
 * the job as values and be written again with its column types: int32 stays int32, a list of structs
 * (a chat dataset's {@code messages}) stays one. Strings, enums and JSON are text; other binaries and
 * INT96 are binary values (base64 in a JSONL output). Logical types other than text (dates, decimals,
 * timestamps) keep their physical values.
 */
final class ParquetJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ParquetJson() {}

    static ObjectNode toJson(Group row) {
        return object(row, row.getType());
    }

    static Group toGroup(JsonNode row, MessageType schema) {
        SimpleGroup group = new SimpleGroup(schema);
        fill(group, row, schema);
        return group;
    }

    private static ObjectNode object(Group group, GroupType type) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < type.getFieldCount(); i++) {
            Type field = type.getType(i);
            int count = group.getFieldRepetitionCount(i);
            if (field.isRepetition(Type.Repetition.REPEATED)) {
                ArrayNode values = node.putArray(field.getName());
                for (int r = 0; r < count; r++) {
                    values.add(value(group, i, r, field));
                }
            } else {
                node.set(field.getName(), count == 0 ? NullNode.instance : value(group, i, 0, field));
            }
        }
        return node;
    }

    private static JsonNode value(Group group, int field, int index, Type type) {
        if (type.isPrimitive()) {
            return primitive(group, field, index, type.asPrimitiveType());
        }
        GroupType groupType = type.asGroupType();
        Group child = group.getGroup(field, index);
        LogicalTypeAnnotation logical = groupType.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            return list(child, groupType);
        }
        if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
            return map(child, groupType);
        }
        return object(child, groupType);
    }

    private static ArrayNode list(Group list, GroupType type) {
        ArrayNode values = JSON.createArrayNode();
        Type repeated = type.getType(0);
        for (int r = 0; r < list.getFieldRepetitionCount(0); r++) {
            if (isElementWrapper(repeated)) {
                Group wrapper = list.getGroup(0, r);
                values.add(wrapper.getFieldRepetitionCount(0) == 0
                        ? NullNode.instance
                        : value(wrapper, 0, 0, repeated.asGroupType().getType(0)));
            } else {
                values.add(value(list, 0, r, repeated));
            }
        }
        return values;
    }

    private static ObjectNode map(Group map, GroupType type) {
        ObjectNode values = JSON.createObjectNode();
        GroupType entry = type.getType(0).asGroupType();
        for (int r = 0; r < map.getFieldRepetitionCount(0); r++) {
            Group kv = map.getGroup(0, r);
            String key = value(kv, 0, 0, entry.getType(0)).asText();
            boolean hasValue = entry.getFieldCount() > 1 && kv.getFieldRepetitionCount(1) > 0;
            values.set(key, hasValue ? value(kv, 1, 0, entry.getType(1)) : NullNode.instance);
        }
        return values;
    }

    /**
     * The Parquet spec's rule for lists: the repeated field is a wrapper around the element unless it
     * has several fields or is named {@code array} or {@code <list>_tuple} (older writers' layouts).
     */
    private static boolean isElementWrapper(Type repeated) {
        return !repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1
                && !repeated.getName().equals("array") && !repeated.getName().endsWith("_tuple");
    }

    private static JsonNode primitive(Group group, int field, int index, PrimitiveType type) {
        return switch (type.getPrimitiveTypeName()) {
            case INT32 -> IntNode.valueOf(group.getInteger(field, index));
            case INT64 -> LongNode.valueOf(group.getLong(field, index));
            case BOOLEAN -> BooleanNode.valueOf(group.getBoolean(field, index));
            case FLOAT -> FloatNode.valueOf(group.getFloat(field, index));
            case DOUBLE -> DoubleNode.valueOf(group.getDouble(field, index));
            case INT96 -> BinaryNode.valueOf(group.getInt96(field, index).getBytes());
            case BINARY, FIXED_LEN_BYTE_ARRAY -> isText(type)
                    ? TextNode.valueOf(group.getString(field, index))
                    : BinaryNode.valueOf(group.getBinary(field, index).getBytes());
        };
    }

    private static boolean isText(Type type) {
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        return logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
    }

    private static void fill(Group group, JsonNode object, GroupType type) {
        for (int i = 0; i < type.getFieldCount(); i++) {
            Type field = type.getType(i);
            JsonNode value = object.get(field.getName());
            if (value == null || value.isNull()) {
                continue;
            }
            if (field.isRepetition(Type.Repetition.REPEATED)) {
                for (JsonNode element : value) {
                    add(group, i, element, field);
                }
            } else {
                add(group, i, value, field);
            }
        }
    }

    private static void add(Group group, int field, JsonNode value, Type type) {
        if (type.isPrimitive()) {
            addPrimitive(group, field, value, type.asPrimitiveType());
            return;
        }
        GroupType groupType = type.asGroupType();
        Group child = group.addGroup(field);
        LogicalTypeAnnotation logical = groupType.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            Type repeated = groupType.getType(0);
            for (JsonNode element : value) {
                if (isElementWrapper(repeated)) {
                    Group wrapper = child.addGroup(0);
                    if (!element.isNull()) {
                        add(wrapper, 0, element, repeated.asGroupType().getType(0));
                    }
                } else {
                    add(child, 0, element, repeated);
                }
            }
        } else if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
            GroupType entry = groupType.getType(0).asGroupType();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Group kv = child.addGroup(0);
                add(kv, 0, TextNode.valueOf(e.getKey()), entry.getType(0));
                if (entry.getFieldCount() > 1 && !e.getValue().isNull()) {
                    add(kv, 1, e.getValue(), entry.getType(1));
                }
            }
        } else {
            fill(child, value, groupType);
        }
    }

    private static void addPrimitive(Group group, int field, JsonNode value, PrimitiveType type) {
        switch (type.getPrimitiveTypeName()) {
            case INT32 -> group.add(field, value.asInt());
            case INT64 -> group.add(field, value.asLong());
            case BOOLEAN -> group.add(field, value.asBoolean());
            case FLOAT -> group.add(field, (float) value.asDouble());
            case DOUBLE -> group.add(field, value.asDouble());
            default -> {
                if (isText(type)) {
                    group.add(field, value.isTextual() ? value.asText() : value.toString());
                } else {
                    group.add(field, Binary.fromConstantByteArray(bytes(value)));
                }
            }
        }
    }

    private static byte[] bytes(JsonNode value) {
        try {
            return value.binaryValue();
        } catch (IOException e) {
            throw new UncheckedIOException("not base64: " + value, e);
        }
    }
}
