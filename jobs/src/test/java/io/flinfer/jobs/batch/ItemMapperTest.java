package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How an input record becomes a BatchItem: its key, its request line, the row it keeps, or why it has none. */
class ItemMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "file:/data/rows.jsonl";
    private static final DatasetColumns PROMPTS = new DatasetColumns("question", null, null,
            "{\"max_tokens\":8,\"temperature\":0.0}", List.of("max_tokens", "seed"), null);

    @Test
    void aRequestLinePassesAsItIsKeyedByItsCustomId() {
        String line = "{\"custom_id\":\"a-1\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"Hi\"}}";
        BatchItem item = new ItemMapper(null, false).map(new SourceRow(FILE, 4, line));
        assertThat(item.key()).isEqualTo("a-1");
        assertThat(item.requestLine()).isEqualTo(line);
        assertThat(item.row()).isNull();
        assertThat(item.error()).isNull();
        assertThat(item.file()).isEqualTo(FILE);
        assertThat(item.index()).isEqualTo(4);
    }

    @Test
    void aRequestLineWithoutAnIdOrNotJsonGetsAKeyNoCustomIdCanTake() {
        ItemMapper mapper = new ItemMapper(null, false);
        BatchItem blank = mapper.map(new SourceRow(FILE, 0, "{\"custom_id\":\" \",\"body\":{}}"));
        BatchItem none = mapper.map(new SourceRow(FILE, 1, "{\"body\":{}}"));
        BatchItem garbage = mapper.map(new SourceRow(FILE, 2, "not json"));
        assertThat(List.of(blank.key(), none.key(), garbage.key())).doesNotHaveDuplicates()
                .allSatisfy(key -> assertThat(key).startsWith("\u0000").contains(FILE));
        assertThat(garbage.requestLine()).as("the parser downstream judges it").isEqualTo("not json");
        assertThat(garbage.error()).isNull();
    }

    @Test
    void aDatasetRowBecomesACompletionRequestWithTheDefaultsAndItsOverrides() throws Exception {
        String row = "{\"question\":\"Why?\",\"max_tokens\":3,\"seed\":null,\"other\":1}";
        BatchItem item = new ItemMapper(PROMPTS, false).map(new SourceRow(FILE, 6, row));
        assertThat(item.key()).isEqualTo("6");
        assertThat(item.row()).isEqualTo(row);
        assertThat(item.error()).isNull();
        JsonNode request = JSON.readTree(item.requestLine());
        assertThat(request.path("custom_id").asText()).isEqualTo("6");
        assertThat(request.path("method").asText()).isEqualTo("POST");
        assertThat(request.path("url").asText()).isEqualTo("/v1/completions");
        assertThat(request.path("body")).isEqualTo(JSON.readTree(
                "{\"max_tokens\":3,\"temperature\":0.0,\"prompt\":\"Why?\"}"));
    }

    @Test
    void aChatDatasetSendsItsMessagesAndManyFilesPrefixTheRowNumberWithTheFileName() throws Exception {
        DatasetColumns chat = new DatasetColumns(null, "conversation", null, "{}", List.of(), null);
        String row = "{\"conversation\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        BatchItem item = new ItemMapper(chat, true).map(new SourceRow("file:/data/part-2.jsonl", 0, row));
        assertThat(item.key()).isEqualTo("part-2.jsonl:0");
        JsonNode request = JSON.readTree(item.requestLine());
        assertThat(request.path("url").asText()).isEqualTo("/v1/chat/completions");
        assertThat(request.path("body").path("messages")).isEqualTo(JSON.readTree(row).path("conversation"));
        assertThat(request.path("body").has("prompt")).isFalse();
    }

    @Test
    void anIdColumnNamesTheRequestAndAnEmptyIdIsTheRowsError() throws Exception {
        DatasetColumns withIds = new DatasetColumns("question", null, "qid", "{}", List.of(), null);
        ItemMapper mapper = new ItemMapper(withIds, false);
        BatchItem named = mapper.map(new SourceRow(FILE, 0, "{\"qid\":42,\"question\":\"Why?\"}"));
        assertThat(named.key()).isEqualTo("42");
        assertThat(JSON.readTree(named.requestLine()).path("custom_id").asText()).isEqualTo("42");

        String emptyRow = "{\"qid\":\"  \",\"question\":\"Why?\"}";
        BatchItem empty = mapper.map(new SourceRow(FILE, 1, emptyRow));
        assertThat(empty.requestLine()).isNull();
        assertThat(empty.row()).isEqualTo(emptyRow);
        assertThat(empty.error()).isEqualTo("the id column qid of row 2 of " + FILE + " is empty");
        BatchItem missing = mapper.map(new SourceRow(FILE, 2, "{\"question\":\"Why?\"}"));
        assertThat(missing.error()).contains("the id column qid");
        assertThat(List.of(empty.key(), missing.key())).doesNotHaveDuplicates();
    }

    @Test
    void aRowThatIsNotAnObjectIsRefusedWithAnEmptyRow() {
        BatchItem item = new ItemMapper(PROMPTS, false).map(new SourceRow(FILE, 9, "[1, 2]"));
        assertThat(item.requestLine()).isNull();
        assertThat(item.row()).isEqualTo("{}");
        assertThat(item.error()).isEqualTo("row 10 of " + FILE + " is not a JSON object");
    }
}
