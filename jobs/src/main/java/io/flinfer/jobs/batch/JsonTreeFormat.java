package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.flinfer.operators.records.RecordFormat;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A row's values (a JSON tree) in binary for the batch records' serializers: a tag per node, then
 * its value; numbers keep their node type, so a Parquet int32 column is still an int32 when the
 * row reaches the Parquet sink, and nothing is printed as JSON text and parsed again on the way.
 * The tags are part of the records' format: new kinds get new tags, existing ones never change.
 */
final class JsonTreeFormat {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int NULL = 0;
    private static final int FALSE = 1;
    private static final int TRUE = 2;
    private static final int INT = 3;
    private static final int LONG = 4;
    private static final int BIG_INTEGER = 5;
    private static final int FLOAT = 6;
    private static final int DOUBLE = 7;
    private static final int DECIMAL = 8;
    private static final int TEXT = 9;
    private static final int BINARY = 10;
    private static final int ARRAY = 11;
    private static final int OBJECT = 12;

    private JsonTreeFormat() {}

    static void write(JsonNode node, DataOutputView out) throws IOException {
        switch (node.getNodeType()) {
            case NULL, MISSING -> out.writeByte(NULL);
            case BOOLEAN -> out.writeByte(node.booleanValue() ? TRUE : FALSE);
            case STRING -> {
                out.writeByte(TEXT);
                RecordFormat.writeString(node.textValue(), out);
            }
            case BINARY -> {
                out.writeByte(BINARY);
                byte[] bytes = node.binaryValue();
                out.writeInt(bytes.length);
                out.write(bytes);
            }
            case NUMBER -> writeNumber(node, out);
            case ARRAY -> {
                out.writeByte(ARRAY);
                out.writeInt(node.size());
                for (JsonNode element : node) {
                    write(element, out);
                }
            }
            case OBJECT -> {
                out.writeByte(OBJECT);
                out.writeInt(node.size());
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    RecordFormat.writeString(field.getKey(), out);
                    write(field.getValue(), out);
                }
            }
            default -> throw new IOException("a row holds a " + node.getNodeType() + " value, which has no batch format");
        }
    }

    private static void writeNumber(JsonNode node, DataOutputView out) throws IOException {
        switch (node.numberType()) {
            case INT -> {
                out.writeByte(INT);
                out.writeInt(node.intValue());
            }
            case LONG -> {
                out.writeByte(LONG);
                out.writeLong(node.longValue());
            }
            case FLOAT -> {
                out.writeByte(FLOAT);
                out.writeFloat(node.floatValue());
            }
            case DOUBLE -> {
                out.writeByte(DOUBLE);
                out.writeDouble(node.doubleValue());
            }
            case BIG_INTEGER -> {
                out.writeByte(BIG_INTEGER);
                RecordFormat.writeString(node.bigIntegerValue().toString(), out);
            }
            case BIG_DECIMAL -> {
                out.writeByte(DECIMAL);
                RecordFormat.writeString(node.decimalValue().toString(), out);
            }
        }
    }

    static JsonNode read(DataInputView in) throws IOException {
        int tag = in.readUnsignedByte();
        return switch (tag) {
            case NULL -> NullNode.instance;
            case FALSE -> BooleanNode.FALSE;
            case TRUE -> BooleanNode.TRUE;
            case INT -> IntNode.valueOf(in.readInt());
            case LONG -> LongNode.valueOf(in.readLong());
            case BIG_INTEGER -> BigIntegerNode.valueOf(new BigInteger(RecordFormat.readString(in)));
            case FLOAT -> FloatNode.valueOf(in.readFloat());
            case DOUBLE -> DoubleNode.valueOf(in.readDouble());
            case DECIMAL -> DecimalNode.valueOf(new BigDecimal(RecordFormat.readString(in)));
            case TEXT -> TextNode.valueOf(RecordFormat.readString(in));
            case BINARY -> {
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                yield BinaryNode.valueOf(bytes);
            }
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (int n = in.readInt(); n > 0; n--) {
                    array.add(read(in));
                }
                yield array;
            }
            case OBJECT -> readFields(NODES.objectNode(), in);
            default -> throw new IOException("no JSON value has the tag " + tag + ": the record is corrupt");
        };
    }

    /** An object (a row) or null, for fields that may hold none. */
    static void writeObject(ObjectNode row, DataOutputView out) throws IOException {
        out.writeBoolean(row != null);
        if (row != null) {
            write(row, out);
        }
    }

    static ObjectNode readObject(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        JsonNode node = read(in);
        if (!node.isObject()) {
            throw new IOException("expected a row (a JSON object), read a " + node.getNodeType());
        }
        return (ObjectNode) node;
    }

    private static ObjectNode readFields(ObjectNode object, DataInputView in) throws IOException {
        for (int n = in.readInt(); n > 0; n--) {
            String name = RecordFormat.readString(in);
            object.set(name, read(in));
        }
        return object;
    }
}
