package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer batch --json-schema | --regex | --choice}: one constraint for every row of a dataset,
 * every finished output valid, and its parsed value in the typed structured_output column.
 */
class BatchStructuredOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "title": {"type": "string", "maxLength": 12},
               "stars": {"type": "integer", "minimum": 1, "maximum": 5},
               "tags": {"type": "array", "items": {"enum": ["kid", "dog", "sun"]}, "maxItems": 2},
               "happy": {"type": "boolean"}},
             "required": ["title", "stars", "tags", "happy"]}""";

    @TempDir Path dir;

    @Test
    void everyRowIsValidForTheSchemaAndItsValueLandsInAParquetStruct() throws Exception {
        Path schemaFile = Files.writeString(dir.resolve("review.schema.json"), SCHEMA);
        Path input = Files.writeString(dir.resolve("stories.jsonl"), String.join("\n",
                "{\"id\":1,\"prompt\":\"Once upon a time\"}", "{\"id\":2,\"prompt\":\"The little dog\"}",
                "{\"id\":3,\"prompt\":\"Lily went to the park\"}", "{\"id\":4,\"prompt\":\"The sun was hot\"}") + "\n");
        Path output = dir.resolve("reviews.parquet");

        CliRun run = BatchRequestFileTest.batch(input, output, "--prompt-column", "prompt", "--json-schema", schemaFile.toString(),
                "--max-tokens", "96", "--temperature", "0.8", "--seed", "7");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Schema validator = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(JSON.readTree(SCHEMA));
        List<Group> rows = parquetRows(output);
        assertThat(rows).hasSize(4);
        MessageType schema = (MessageType) rows.get(0).getType();
        assertThat(schema.getType("structured_output").asGroupType().getType("stars").asPrimitiveType().getPrimitiveTypeName())
                .isEqualTo(PrimitiveTypeName.INT64);
        for (Group row : rows) {
            assertThat(row.getString("finish_reason", 0)).as("the grammar ends every output").isEqualTo("stop");
            JsonNode text = JSON.readTree(row.getString("generated_text", 0));
            assertThat(validator.validate(text)).as(text.toString()).isEmpty();
            Group value = row.getGroup("structured_output", 0);
            assertThat(value.getString("title", 0)).isEqualTo(text.path("title").asText());
            assertThat(value.getLong("stars", 0)).isEqualTo(text.path("stars").asLong());
            assertThat(value.getBoolean("happy", 0)).isEqualTo(text.path("happy").asBoolean());
            Group tags = value.getGroup("tags", 0);
            assertThat(tags.getFieldRepetitionCount("list")).isEqualTo(text.path("tags").size());
            for (int i = 0; i < text.path("tags").size(); i++) {
                assertThat(tags.getGroup("list", i).getString("element", 0)).isEqualTo(text.path("tags").path(i).asText());
            }
        }
    }

    @Test
    void choiceAndRegexRowsCarryTheirTextInTheColumnForPromptsAndChats() throws Exception {
        Path input = Files.writeString(dir.resolve("questions.jsonl"),
                "{\"q\":\"Is the sky blue?\"}\n{\"q\":\"Do dogs bark?\"}\n{\"q\":\"Is it hot?\"}\n");
        Path chats = Files.writeString(dir.resolve("chats.jsonl"), "{\"m\":[{\"role\":\"user\",\"content\":\"Your code?\"}]}\n"
                + "{\"m\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Code!\"}]}\n");
        Path choices = dir.resolve("choices.jsonl");
        Path codes = dir.resolve("codes.jsonl");

        CliRun choice = BatchRequestFileTest.batch(input, choices, "--prompt-column", "q", "--choice", "yes,no,maybe");
        CliRun regex = BatchRequestFileTest.batch(chats, codes, "--messages-column", "m", "--regex", "[A-Z]{2}-\\d{3}");

        assertThat(choice.exitCode()).as(choice.err()).isZero();
        assertThat(BatchRequestFileTest.lines(choices)).hasSize(3);
        for (JsonNode row : BatchRequestFileTest.lines(choices)) {
            assertThat(row.path("generated_text").asText()).isIn("yes", "no", "maybe");
            assertThat(row.path("structured_output")).isEqualTo(row.path("generated_text"));
        }
        assertThat(regex.exitCode()).as(regex.err()).isZero();
        assertThat(BatchRequestFileTest.lines(codes)).hasSize(2);
        for (JsonNode row : BatchRequestFileTest.lines(codes)) {
            assertThat(row.path("generated_text").asText()).matches("[A-Z]{2}-\\d{3}");
            assertThat(row.path("structured_output")).isEqualTo(row.path("generated_text"));
        }
    }

    @Test
    void aBadConstraintStopsTheRunBeforeAnyRow() throws Exception {
        Path input = Files.writeString(dir.resolve("rows.jsonl"), "{\"q\":\"hi\"}\n");
        Path schemaFile = Files.writeString(dir.resolve("bad.schema.json"), "{\"type\":\"object\",\"patternProperties\":{}}");
        Path requests = Files.writeString(dir.resolve("requests.jsonl"),
                "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"hi\"}}\n");

        CliRun badSchema = BatchRequestFileTest.batch(input, dir.resolve("a.jsonl"), "--prompt-column", "q",
                "--json-schema", schemaFile.toString());
        CliRun badRegex = BatchRequestFileTest.batch(input, dir.resolve("b.jsonl"), "--prompt-column", "q", "--regex", "(a");
        CliRun two = BatchRequestFileTest.batch(input, dir.resolve("c.jsonl"), "--prompt-column", "q", "--regex", "a",
                "--choice", "a,b");
        CliRun requestFile = BatchRequestFileTest.batch(requests, dir.resolve("d.jsonl"), "--regex", "a");

        assertThat(badSchema.exitCode()).isEqualTo(1);
        assertThat(badSchema.err()).contains("--json-schema").contains("patternProperties");
        assertThat(badRegex.exitCode()).isEqualTo(1);
        assertThat(badRegex.err()).contains("--regex");
        assertThat(two.err()).contains("one output constraint, not --regex and --choice");
        assertThat(requestFile.err()).contains("the lines of a request file carry their own");
        assertThat(dir.resolve("a.jsonl")).doesNotExist();
    }

    private static List<Group> parquetRows(Path file) throws Exception {
        List<Group> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = new BatchDatasetTest.GroupReader(new LocalInputFile(file)).build()) {
            for (Group row; (row = reader.read()) != null; ) {
                rows.add(row);
            }
        }
        return rows;
    }
}
