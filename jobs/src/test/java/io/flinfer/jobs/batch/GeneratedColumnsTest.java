package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.operators.records.Completion;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.ResultLine;
import org.junit.jupiter.api.Test;

/** The columns a row gets from its result, and the counts an output row carries. */
class GeneratedColumnsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ResultLine COMPLETION = ResultLine.success("0", Endpoint.COMPLETION, "m",
            new Completion(" because", FinishReason.LENGTH, 7, 3, 4), 0);
    private static final ResultLine CHAT = ResultLine.success("0", Endpoint.CHAT, "m",
            new Completion("Hello", FinishReason.STOP, 7, 3, 4), 0);
    private static final ResultLine FAILED = ResultLine.badRequest("0", "prompt too long");

    @Test
    void aCompletionAddsItsTextFinishReasonAndCountsAfterTheRowsOwnColumns() throws Exception {
        ObjectNode input = row("{\"question\":\"Why?\",\"n\":1}");
        OutputRow out = GeneratedColumns.withResult(input, COMPLETION, null);
        JsonNode row = JSON.readTree(out.json());
        assertThat(row.fieldNames()).toIterable().containsExactly("question", "n", "generated_text", "finish_reason",
                "prompt_tokens", "completion_tokens", "cached_tokens", "error");
        assertThat(row.path("question").asText()).isEqualTo("Why?");
        assertThat(row.path("generated_text").asText()).isEqualTo(" because");
        assertThat(row.path("finish_reason").asText()).isEqualTo("length");
        assertThat(row.path("error").isNull()).isTrue();
        assertThat(out.isError()).isFalse();
        assertThat(new long[] {out.promptTokens(), out.completionTokens(), out.cachedTokens()}).containsExactly(7, 3, 4);
        assertThat(row.path("prompt_tokens").asLong()).isEqualTo(7);
        assertThat(row.path("cached_tokens").asLong()).isEqualTo(4);
        assertThat(input.size()).as("the input row is shared, never changed").isEqualTo(2);
    }

    @Test
    void aChatCompletionTakesTheMessagesContent() throws Exception {
        JsonNode row = JSON.readTree(GeneratedColumns.withResult(row("{\"messages\":[]}"), CHAT, null).json());
        assertThat(row.path("generated_text").asText()).isEqualTo("Hello");
        assertThat(row.path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void anErrorResultLeavesTheGeneratedColumnsEmptyAndSaysWhy() throws Exception {
        OutputRow out = GeneratedColumns.withResult(row("{\"question\":\"Why?\"}"), FAILED, null);
        JsonNode row = JSON.readTree(out.json());
        assertThat(out.isError()).isTrue();
        assertThat(out.promptTokens()).isZero();
        assertThat(row.path("error").asText()).isEqualTo("prompt too long");
        for (String column : GeneratedColumns.NAMES.subList(0, GeneratedColumns.NAMES.size() - 1)) {
            assertThat(row.path(column).isNull()).as(column).isTrue();
        }
        assertThat(row.path("question").asText()).isEqualTo("Why?");

        JsonNode refused = JSON.readTree(GeneratedColumns.withError(row("{\"q\":1}"), "the id column is empty", null).json());
        assertThat(refused.path("error").asText()).isEqualTo("the id column is empty", null);
        assertThat(refused.path("generated_text").isNull()).isTrue();
    }

    @Test
    void aResultLineOutputIsTheLineAsWrittenWithItsCounts() {
        OutputRow ok = OutputRow.result(COMPLETION);
        assertThat(ok.json()).isEqualTo(COMPLETION.json());
        assertThat(ok.values()).isNull();
        assertThat(ok.isError()).isFalse();
        assertThat(new long[] {ok.promptTokens(), ok.completionTokens(), ok.cachedTokens()}).containsExactly(7, 3, 4);
        OutputRow failed = OutputRow.result(FAILED);
        assertThat(failed.json()).isEqualTo(FAILED.json());
        assertThat(failed.isError()).isTrue();
        assertThat(failed.completionTokens()).isZero();
    }

    private static ObjectNode row(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }
}
