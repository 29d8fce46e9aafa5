package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flinfer batch} over datasets: the rows come back with their columns and types, plus the generated ones. */
class BatchDatasetTest {
    private static final MessageType INPUT = MessageTypeParser.parseMessageType("""
            message row {
              required int64 row_id;
              optional binary prompt (STRING);
              optional int32 max_tokens;
              optional double score;
              optional boolean flag;
              optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
            }""");

    @TempDir Path dir;

    @Test
    void parquetRowsComeBackWithTheirTypesAndGeneratedColumns() throws Exception {
        Path input = dir.resolve("prompts.parquet");
        String[] prompts = {"Once upon a time", "The little dog", "", null, "A big red ball", "In the forest"};
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(input)).withType(INPUT)
                .withConf(new PlainParquetConfiguration()).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
            SimpleGroupFactory rows = new SimpleGroupFactory(INPUT);
            for (int i = 0; i < prompts.length; i++) {
                Group row = rows.newGroup().append("row_id", 1000L + i).append("score", i / 4.0).append("flag", i % 2 == 0);
                if (prompts[i] != null) {
                    row.append("prompt", prompts[i]);
                }
                if (i == 4) {
                    row.append("max_tokens", 5);
                }
                Group tags = row.addGroup("tags");
                tags.addGroup("list").append("element", "t" + i);
                tags.addGroup("list").append("element", "u" + i);
                writer.write(row);
            }
        }
        Path output = dir.resolve("generated.parquet");

        CliRun run = BatchRequestFileTest.batch(input, output, "--prompt-column", "prompt",
                "--override-columns", "max_tokens", "--max-tokens", "3", "--ignore-eos", "--temperature", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        MessageType schema;
        List<Group> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = new GroupReader(new LocalInputFile(output)).build()) {
            for (Group row; (row = reader.read()) != null; ) {
                rows.add(row);
            }
            schema = (MessageType) rows.get(0).getType();
        }
        for (Type kept : INPUT.getFields()) {
            assertThat(schema.getType(kept.getName())).as("column %s keeps its type", kept.getName()).isEqualTo(kept);
        }
        assertThat(schema.getType("completion_tokens").asPrimitiveType().getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT64);
        Map<Long, Group> byId = rows.stream().collect(Collectors.toMap(r -> r.getLong("row_id", 0), Function.identity()));
        assertThat(byId).hasSize(prompts.length);
        for (int i = 0; i < prompts.length; i++) {
            Group row = byId.get(1000L + i);
            assertThat(row.getDouble("score", 0)).isEqualTo(i / 4.0);
            assertThat(row.getBoolean("flag", 0)).isEqualTo(i % 2 == 0);
            assertThat(row.getGroup("tags", 0).getGroup("list", 1).getString("element", 0)).isEqualTo("u" + i);
            boolean bad = prompts[i] == null || prompts[i].isEmpty();
            assertThat(row.getFieldRepetitionCount("error")).as("row %d has an error", i).isEqualTo(bad ? 1 : 0);
            if (!bad) {
                assertThat(row.getLong("completion_tokens", 0)).as("row %d", i).isEqualTo(i == 4 ? 5 : 3);
                assertThat(row.getLong("prompt_tokens", 0)).isPositive();
                assertThat(row.getString("finish_reason", 0)).isEqualTo("length");
                assertThat(row.getFieldRepetitionCount("generated_text")).isEqualTo(1);
            }
        }
        assertThat(byId.get(1002L).getString("error", 0)).contains("prompt must not be empty");
        assertThat(byId.get(1003L).getString("error", 0)).contains("prompt is required");
    }

    @Test
    void jsonlChatRowsKeepTheirColumnsAndBadRowsGetErrors() throws Exception {
        Path input = dir.resolve("chats.jsonl");
        Files.writeString(input, String.join("\n",
                "{\"id\":\"q1\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"meta\":{\"lang\":\"en\",\"n\":[1,2]},\"weight\":0.5}",
                "{\"id\":\"q2\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell a story\"}],\"meta\":null,\"weight\":2}",
                "not a row",
                "{\"id\":\"q1\",\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}",
                "{\"id\":\"q3\",\"messages\":\"not a list\"}",
                "{\"id\":\"q4\",\"messages\":[{\"role\":\"user\",\"content\":\"hot\"}],\"temperature\":\"very\"}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"no id\"}]}") + "\n");
        Path output = dir.resolve("answers.jsonl");

        CliRun run = BatchRequestFileTest.batch(input, output, "--messages-column", "messages", "--id-column", "id",
                "--override-columns", "temperature", "--max-tokens", "4", "--temperature", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> rows = BatchRequestFileTest.lines(output);
        assertThat(rows).hasSize(7);
        JsonNode q1 = rows.stream().filter(r -> r.path("id").asText().equals("q1") && r.path("error").isNull()).findFirst().orElseThrow();
        assertThat(q1.path("meta").path("n").path(1).asInt()).isEqualTo(2);
        assertThat(q1.path("weight").isDouble()).isTrue();
        assertThat(q1.path("generated_text").isTextual()).isTrue();
        assertThat(q1.path("completion_tokens").asInt()).isBetween(1, 4);
        List<String> fieldOrder = new ArrayList<>();
        q1.fieldNames().forEachRemaining(fieldOrder::add);
        assertThat(fieldOrder).containsExactly("id", "messages", "meta", "weight",
                "generated_text", "finish_reason", "prompt_tokens", "completion_tokens", "cached_tokens", "error");
        JsonNode q2 = rows.stream().filter(r -> r.path("id").asText().equals("q2")).findFirst().orElseThrow();
        assertThat(q2.path("weight").isInt()).isTrue();
        assertThat(q2.path("error").isNull()).isTrue();
        List<String> errors = rows.stream().filter(r -> !r.path("error").isNull()).map(r -> r.path("error").asText()).toList();
        assertThat(errors).hasSize(5)
                .anySatisfy(e -> assertThat(e).contains("row 3 of").contains("not a JSON object"))
                .anySatisfy(e -> assertThat(e).contains("q1 is used more than once"))
                .anySatisfy(e -> assertThat(e).contains("messages"))
                .anySatisfy(e -> assertThat(e).contains("temperature"))
                .anySatisfy(e -> assertThat(e).contains("id column id").contains("empty"));
    }

    /** Parquet's reader builder over a local file, with its example {@link Group} records. */
    static final class GroupReader extends ParquetReader.Builder<Group> {
        GroupReader(InputFile file) {
            super(file, new PlainParquetConfiguration());
        }

        @Override
        protected ReadSupport<Group> getReadSupport() {
            return new GroupReadSupport();
        }
    }
}
