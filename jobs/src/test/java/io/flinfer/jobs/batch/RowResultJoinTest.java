package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.operators.records.ResultLine;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each row meets its result by custom_id, whichever arrives first, and nothing waits after they met. */
class RowResultJoinTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private KeyedTwoInputStreamOperatorTestHarness<String, BatchItem, ResultLine, OutputRow> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(new RowResultJoin(null),
                BatchItem::key, ResultLine::customId, Types.STRING);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void joinsARowWithItsResultInEitherOrder() throws Exception {
        harness.processElement1(item("a", "{\"q\":\"first row\"}"), 1);
        assertThat(harness.extractOutputValues()).as("the row waits for its result").isEmpty();
        harness.processElement2(result("b", "late"), 2);
        assertThat(harness.extractOutputValues()).as("a result waits for its row").isEmpty();
        harness.processElement2(result("a", "A"), 3);
        harness.processElement1(item("b", "{\"q\":\"second row\"}"), 4);

        List<OutputRow> out = harness.extractOutputValues();
        assertThat(out).hasSize(2);
        assertThat(JSON.readTree(out.get(0).json()).path("q").asText()).isEqualTo("first row");
        assertThat(JSON.readTree(out.get(0).json()).path("generated_text").asText()).isEqualTo("A");
        assertThat(JSON.readTree(out.get(1).json()).path("q").asText()).isEqualTo("second row");
        assertThat(JSON.readTree(out.get(1).json()).path("generated_text").asText()).isEqualTo("late");
        assertThat(harness.numKeyedStateEntries()).as("met rows and results leave no state").isZero();
    }

    @Test
    void keepsOnlyTheRowsStillWaiting() throws Exception {
        harness.processElement1(item("a", "{\"q\":1}"), 1);
        harness.processElement1(item("b", "{\"q\":2}"), 2);
        harness.processElement2(result("a", "x"), 3);
        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
    }

    private static BatchItem item(String id, String row) {
        return new BatchItem(id, "{\"custom_id\":\"" + id + "\"}", row, null, new SourceRow("rows.jsonl", 0, row));
    }

    private static ResultLine result(String id, String text) {
        return new ResultLine(id, "{\"custom_id\":\"" + id + "\",\"response\":{\"status_code\":200,\"body\":{\"choices\":"
                + "[{\"text\":\"" + text + "\",\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}},\"error\":null}");
    }
}
