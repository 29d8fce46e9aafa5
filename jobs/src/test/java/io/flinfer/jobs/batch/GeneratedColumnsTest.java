package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The columns a row gets from its result line, and the counts an output line carries. */
class GeneratedColumnsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE = "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":4}}";
    private static final String COMPLETION = "{\"id\":\"batch_req_1\",\"custom_id\":\"0\",\"response\":{\"status_code\":200,\"body\":"
            + "{\"choices\":[{\"index\":0,\"text\":\" because\",\"finish_reason\":\"length\"}]," + USAGE + "}},\"error\":null}";
    private static final String CHAT = "{\"custom_id\":\"0\",\"response\":{\"status_code\":200,\"body\":"
            + "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}]," + USAGE + "}},\"error\":null}";
    private static final String FAILED = "{\"custom_id\":\"0\",\"response\":null,\"error\":{\"code\":\"too_long\",\"message\":\"prompt too long\"}}";

    @Test
    void aCompletionAddsItsTextFinishReasonAndCountsAfterTheRowsOwnColumns() throws Exception {
        OutputRow out = GeneratedColumns.withResult("{\"question\":\"Why?\",\"n\":1}", COMPLETION, null);
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
    }

    @Test
    void aChatCompletionTakesTheMessagesContent() throws Exception {
        JsonNode row = JSON.readTree(GeneratedColumns.withResult("{\"messages\":[]}", CHAT, null).json());
        assertThat(row.path("generated_text").asText()).isEqualTo("Hello");
        assertThat(row.path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void anErrorResultLeavesTheGeneratedColumnsEmptyAndSaysWhy() throws Exception {
        OutputRow out = GeneratedColumns.withResult("{\"question\":\"Why?\"}", FAILED, null);
        JsonNode row = JSON.readTree(out.json());
        assertThat(out.isError()).isTrue();
        assertThat(out.promptTokens()).isZero();
        assertThat(row.path("error").asText()).isEqualTo("prompt too long");
        for (String column : GeneratedColumns.NAMES.subList(0, GeneratedColumns.NAMES.size() - 1)) {
            assertThat(row.path(column).isNull()).as(column).isTrue();
        }
        assertThat(row.path("question").asText()).isEqualTo("Why?");

        JsonNode refused = JSON.readTree(GeneratedColumns.withError("{\"q\":1}", "the id column is empty", null).json());
        assertThat(refused.path("error").asText()).isEqualTo("the id column is empty");
        assertThat(refused.path("generated_text").isNull()).isTrue();
    }

    @Test
    void aResultLineOutputIsTheLineItselfWithItsCounts() {
        OutputRow ok = GeneratedColumns.resultLine(COMPLETION);
        assertThat(ok.json()).isEqualTo(COMPLETION);
        assertThat(ok.isError()).isFalse();
        assertThat(new long[] {ok.promptTokens(), ok.completionTokens(), ok.cachedTokens()}).containsExactly(7, 3, 4);
        OutputRow failed = GeneratedColumns.resultLine(FAILED);
        assertThat(failed.json()).isEqualTo(FAILED);
        assertThat(failed.isError()).isTrue();
        assertThat(failed.completionTokens()).isZero();
    }
}
