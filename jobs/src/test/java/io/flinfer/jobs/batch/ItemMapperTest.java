package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.tokenizer.ChatMessage;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ServedModel;
import java.util.List;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.junit.jupiter.api.Test;

/** How an input record becomes a BatchItem: its key, its parsed request, the row it keeps, or why it has none. */
class ItemMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RequestParser PARSER = new RequestParser(ServedModel.named("m"));
    private static final String FILE = "file:/data/rows.jsonl";
    private static final DatasetColumns PROMPTS = new DatasetColumns("question", null, null,
            "{\"max_tokens\":8,\"temperature\":0.0}", List.of("max_tokens", "seed"), null);

    @Test
    void aRequestLineIsParsedOnceAndKeyedByItsCustomId() {
        String line = "{\"custom_id\":\"a-1\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"Hi\"}}";
        BatchItem item = mapper(null, false).map(SourceRow.line(FILE, 4, line));
        assertThat(item.key()).isEqualTo("a-1");
        assertThat(item.isRequest()).isTrue();
        assertThat(item.request().customId()).isEqualTo("a-1");
        assertThat(item.request().prompt()).isEqualTo("Hi");
        assertThat(item.row()).isNull();
        assertThat(item.file()).isEqualTo(FILE);
        assertThat(item.index()).isEqualTo(4);
    }

    @Test
    void aRequestLineWithoutAnIdOrNotJsonIsRefusedWithItsLineAndAKeyNoCustomIdCanTake() {
        ItemMapper mapper = mapper(null, false);
        BatchItem blank = mapper.map(SourceRow.line(FILE, 0, "{\"custom_id\":\" \",\"body\":{}}"));
        BatchItem none = mapper.map(SourceRow.line(FILE, 1, "{\"body\":{}}"));
        BatchItem garbage = mapper.map(SourceRow.line(FILE, 2, "not json"));
        assertThat(List.of(blank.key(), none.key(), garbage.key())).doesNotHaveDuplicates()
                .allSatisfy(key -> assertThat(key).startsWith("\u0000").contains(FILE));
        assertThat(garbage.isRequest()).isFalse();
        assertThat(garbage.answer()).isNull();
        assertThat(garbage.refusal()).startsWith("line 3 of " + FILE + " is not a request: not JSON");
        assertThat(none.refusal()).startsWith("line 2 of " + FILE + " is not a request: no custom_id");
    }

    @Test
    void aRequestThatCannotBeServedIsAnsweredWithItsErrorUnderItsCustomId() {
        String line = "{\"custom_id\":\"b-1\",\"method\":\"GET\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"Hi\"}}";
        BatchItem item = mapper(null, false).map(SourceRow.line(FILE, 0, line));
        assertThat(item.key()).isEqualTo("b-1");
        assertThat(item.isRequest()).isFalse();
        assertThat(item.answer().customId()).isEqualTo("b-1");
        assertThat(item.errorMessage()).contains("method must be \"POST\"");
    }

    @Test
    void aDatasetRowBecomesACompletionRequestWithTheDefaultsAndItsOverrides() throws Exception {
        ObjectNode row = object("{\"question\":\"Why?\",\"max_tokens\":3,\"seed\":null,\"other\":1}");
        BatchItem item = mapper(PROMPTS, false).map(SourceRow.values(FILE, 6, row));
        assertThat(item.key()).isEqualTo("6");
        assertThat(item.row()).isSameAs(row);
        InferenceRequest request = item.request();
        assertThat(request.customId()).isEqualTo("6");
        assertThat(request.endpoint()).isEqualTo(Endpoint.COMPLETION);
        assertThat(request.prompt()).isEqualTo("Why?");
        assertThat(request.samplingParams().maxTokens).as("the row's override").isEqualTo(3);
        assertThat(request.samplingParams().temperature).as("the default").isZero();
        assertThat(request.samplingParams().seed).as("a null override keeps the default").isNull();
    }

    @Test
    void aJsonlDatasetLineIsParsedIntoTheRowItKeeps() throws Exception {
        String line = "{\"question\":\"Why?\",\"n\":1}";
        BatchItem item = mapper(PROMPTS, false).map(SourceRow.line(FILE, 0, line));
        assertThat(item.row()).isEqualTo(JSON.readTree(line));
        assertThat(item.request().prompt()).isEqualTo("Why?");
    }

    @Test
    void aChatDatasetSendsItsMessagesAndManyFilesPrefixTheRowNumberWithTheFileName() throws Exception {
        DatasetColumns chat = new DatasetColumns(null, "conversation", null, "{}", List.of(), null);
        ObjectNode row = object("{\"conversation\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        BatchItem item = mapper(chat, true).map(SourceRow.values("file:/data/part-2.jsonl", 0, row));
        assertThat(item.key()).isEqualTo("part-2.jsonl:0");
        assertThat(item.request().endpoint()).isEqualTo(Endpoint.CHAT);
        assertThat(item.request().messages()).containsExactly(new ChatMessage("user", "Hi"));
    }

    @Test
    void aBadCellGetsTheErrorABadRequestLineGets() throws Exception {
        ObjectNode row = object("{\"question\":\"Why?\",\"max_tokens\":\"many\"}");
        BatchItem item = mapper(PROMPTS, false).map(SourceRow.values(FILE, 3, row));
        assertThat(item.isRequest()).isFalse();
        assertThat(item.key()).isEqualTo("3");
        assertThat(item.row()).isSameAs(row);
        assertThat(item.errorMessage()).contains("max_tokens");
    }

    @Test
    void anIdColumnNamesTheRequestAndAnEmptyIdIsTheRowsError() throws Exception {
        DatasetColumns withIds = new DatasetColumns("question", null, "qid", "{}", List.of(), null);
        ItemMapper mapper = mapper(withIds, false);
        BatchItem named = mapper.map(SourceRow.values(FILE, 0, object("{\"qid\":42,\"question\":\"Why?\"}")));
        assertThat(named.key()).isEqualTo("42");
        assertThat(named.request().customId()).isEqualTo("42");

        ObjectNode emptyRow = object("{\"qid\":\"  \",\"question\":\"Why?\"}");
        BatchItem empty = mapper.map(SourceRow.values(FILE, 1, emptyRow));
        assertThat(empty.isRequest()).isFalse();
        assertThat(empty.row()).isSameAs(emptyRow);
        assertThat(empty.errorMessage()).isEqualTo("the id column qid of row 2 of " + FILE + " is empty");
        BatchItem missing = mapper.map(SourceRow.values(FILE, 2, object("{\"question\":\"Why?\"}")));
        assertThat(missing.errorMessage()).contains("the id column qid");
        assertThat(List.of(empty.key(), missing.key())).doesNotHaveDuplicates();
    }

    @Test
    void aRowThatIsNotAnObjectIsRefusedWithAnEmptyRow() {
        BatchItem item = mapper(PROMPTS, false).map(SourceRow.line(FILE, 9, "[1, 2]"));
        assertThat(item.isRequest()).isFalse();
        assertThat(item.row()).isEqualTo(JSON.createObjectNode());
        assertThat(item.errorMessage()).isEqualTo("row 10 of " + FILE + " is not a JSON object");
    }

    /** Opened as a task opens it, with a runtime context for its metrics. */
    static ItemMapper mapper(DatasetColumns columns, boolean manyFiles) {
        ItemMapper mapper = new ItemMapper(columns, manyFiles, PARSER);
        mapper.setRuntimeContext(new MockStreamingRuntimeContext(false, 1, 0));
        mapper.open(DefaultOpenContext.INSTANCE);
        return mapper;
    }

    private static ObjectNode object(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }
}
