package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/** Parquet rows to JSON and back, for the shapes datasets have: chat messages, maps, binaries, legacy lists. */
class ParquetJsonTest {
    private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message row {
              required int32 id;
              optional group messages (LIST) {
                repeated group list { optional group element { optional binary role (STRING); optional binary content (STRING); } }
              }
              optional group labels (MAP) { repeated group key_value { required binary key (STRING); optional int64 value; } }
              optional binary raw;
              optional float score;
              repeated int32 legacy;
              optional group meta { optional boolean ok; optional double weight; }
            }""");

    @Test
    void aChatRowBecomesJsonAndComesBackTheSame() {
        Group row = new SimpleGroupFactory(SCHEMA).newGroup().append("id", 7).append("raw", Binary.fromConstantByteArray(new byte[] {0, -1, 42}))
                .append("score", 0.1f).append("legacy", 3).append("legacy", 4);
        Group messages = row.addGroup("messages");
        messages.addGroup("list").addGroup("element").append("role", "system").append("content", "Be brief.");
        messages.addGroup("list").addGroup("element").append("role", "user").append("content", "Hi");
        Group labels = row.addGroup("labels");
        labels.addGroup("key_value").append("key", "a").append("value", 1L);
        row.addGroup("meta").append("ok", true).append("weight", 2.5);

        JsonNode json = ParquetJson.toJson(row);

        assertThat(json.path("messages").path(1).path("content").asText()).isEqualTo("Hi");
        assertThat(json.path("messages").path(0).path("role").asText()).isEqualTo("system");
        assertThat(json.path("labels").path("a").asLong()).isEqualTo(1L);
        assertThat(json.path("legacy").toString()).isEqualTo("[3,4]");
        assertThat(json.path("meta").path("weight").asDouble()).isEqualTo(2.5);
        assertThat(json.path("score").floatValue()).isEqualTo(0.1f);
        Group back = ParquetJson.toGroup(json, SCHEMA);
        assertThat(back.toString()).isEqualTo(row.toString());
        assertThat(back.getBinary("raw", 0).getBytes()).containsExactly(0, -1, 42);
    }

    @Test
    void absentValuesStayAbsent() {
        Group row = new SimpleGroupFactory(SCHEMA).newGroup().append("id", 1);

        JsonNode json = ParquetJson.toJson(row);

        assertThat(json.path("messages").isNull()).isTrue();
        assertThat(json.path("legacy").isEmpty()).isTrue();
        assertThat(ParquetJson.toGroup(json, SCHEMA).toString()).isEqualTo(row.toString());
    }
}
