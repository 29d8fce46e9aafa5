package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.operators.records.Completion;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.ResultLine;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;

/** A constrained dataset run's typed column: its Parquet type from the schema, and its values. */
class StructuredColumnTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INVOICE = """
            {"type": "object",
             "properties": {
               "vendor": {"type": "string", "maxLength": 20},
               "total": {"type": "number"},
               "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
               "paid": {"type": "boolean"},
               "currency": {"enum": ["EUR", "USD"]},
               "note": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
               "parent": {"$ref": "#"}
             },
             "required": ["vendor", "total"],
             "$defs": {"item": {"properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}}}""";

    @Test
    void aSchemaBecomesAStructWithTypedFieldsAndJsonTextWhereNoTypeFits() {
        MessageType schema = OutputSchema.of(MessageTypeParser.parseMessageType("message row { optional binary q (STRING); }"),
                column(StructuredOutput.Kind.JSON_SCHEMA, INVOICE, true));

        assertThat(MessageTypeParser.parseMessageType(schema.toString())).as("survives its text form").isEqualTo(schema);
        Type expected = MessageTypeParser.parseMessageType("""
                message m {
                  optional group structured_output {
                    optional binary vendor (STRING);
                    optional double total;
                    optional group items (LIST) {
                      repeated group list { optional group element { optional binary sku (STRING); optional int64 qty; } }
                    }
                    optional boolean paid;
                    optional binary currency (STRING);
                    optional binary note (JSON);
                    optional binary parent (JSON);
                  }
                }""").getType(StructuredColumn.NAME);
        assertThat(schema.getType(StructuredColumn.NAME)).isEqualTo(expected);
        assertThat(schema.getFieldName(schema.getFieldCount() - 1)).isEqualTo(StructuredColumn.NAME);
    }

    @Test
    void aFinishedOutputIsParsedAndWrittenIntoItsParquetStruct() throws Exception {
        StructuredColumn column = column(StructuredOutput.Kind.JSON_SCHEMA, INVOICE, true);
        String text = "{\"vendor\":\"ACME\",\"total\":12.5,\"items\":[{\"sku\":\"a1\",\"qty\":2}],\"paid\":true,"
                + "\"currency\":\"EUR\",\"note\":\"late\",\"parent\":{\"vendor\":\"X\",\"total\":1}}";
        MessageType schema = OutputSchema.of(MessageTypeParser.parseMessageType("message row { optional binary q (STRING); }"), column);

        JsonNode row = JSON.readTree(GeneratedColumns.withResult(row("{\"q\":\"?\"}"), result(text, FinishReason.STOP), column).json());
        Group written = ParquetJson.toGroup(row, schema);

        Group struct = written.getGroup(StructuredColumn.NAME, 0);
        assertThat(struct.getString("vendor", 0)).isEqualTo("ACME");
        assertThat(struct.getDouble("total", 0)).isEqualTo(12.5);
        assertThat(struct.getGroup("items", 0).getGroup("list", 0).getGroup("element", 0).getLong("qty", 0)).isEqualTo(2);
        assertThat(struct.getBoolean("paid", 0)).isTrue();
        assertThat(struct.getString("note", 0)).as("a union keeps its JSON").isEqualTo("\"late\"");
        assertThat(JSON.readTree(struct.getString("parent", 0))).isEqualTo(JSON.readTree("{\"vendor\":\"X\",\"total\":1}"));
        assertThat(ParquetJson.toJson(written).path("generated_text").asText()).isEqualTo(text);
    }

    @Test
    void jsonlOutputKeepsTheParsedValueAsItIs() throws Exception {
        StructuredColumn column = column(StructuredOutput.Kind.JSON_SCHEMA, INVOICE, false);
        String text = "{\"vendor\":\"ACME\",\"total\":3,\"note\":7}";

        JsonNode row = JSON.readTree(GeneratedColumns.withResult(row("{}"), result(text, FinishReason.STOP), column).json());

        assertThat(row.path(StructuredColumn.NAME)).isEqualTo(JSON.readTree(text));
    }

    @Test
    void onlyFinishedGenerationsHaveAValue() throws Exception {
        StructuredColumn choice = column(StructuredOutput.Kind.CHOICE, "[\"yes\",\"no\"]", true);

        JsonNode cut = JSON.readTree(GeneratedColumns.withResult(row("{}"), result("ye", FinishReason.LENGTH), choice).json());
        JsonNode done = JSON.readTree(GeneratedColumns.withResult(row("{}"), result("no", FinishReason.STOP), choice).json());
        JsonNode failed = JSON.readTree(GeneratedColumns.withError(row("{}"), "bad row", choice).json());

        assertThat(cut.path(StructuredColumn.NAME).isNull()).isTrue();
        assertThat(done.path(StructuredColumn.NAME).asText()).isEqualTo("no");
        assertThat(failed.has(StructuredColumn.NAME)).isTrue();
        assertThat(failed.path(StructuredColumn.NAME).isNull()).isTrue();
        assertThat(choice.parquetType().toString()).contains("(ENUM)");
    }

    @Test
    void theRequestAsksForTheConstraintWithVllmsField() {
        assertThat(column(StructuredOutput.Kind.REGEX, "\\d+", false).requestField().toString()).isEqualTo("{\"regex\":\"\\\\d+\"}");
        assertThat(column(StructuredOutput.Kind.CHOICE, "[\"a\",\"b\"]", false).requestField().toString())
                .isEqualTo("{\"choice\":[\"a\",\"b\"]}");
        assertThat(column(StructuredOutput.Kind.JSON_SCHEMA, "{\"type\":\"integer\"}", false).requestField().toString())
                .isEqualTo("{\"json\":{\"type\":\"integer\"}}");
    }

    @Test
    void theInputMayNotHaveAColumnOfTheSameName() {
        MessageType input = MessageTypeParser.parseMessageType("message row { optional binary structured_output (STRING); }");

        assertThatThrownBy(() -> OutputSchema.of(input, column(StructuredOutput.Kind.REGEX, "a", true)))
                .hasMessageContaining("already has a column named structured_output");
    }

    private static StructuredColumn column(StructuredOutput.Kind kind, String spec, boolean parquet) {
        return new StructuredColumn(kind, spec, parquet);
    }

    private static ResultLine result(String text, FinishReason finishReason) {
        return ResultLine.success("r", Endpoint.COMPLETION, "m", new Completion(text, finishReason, 1, 1, 0), 0);
    }

    private static ObjectNode row(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }
}
