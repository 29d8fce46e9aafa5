package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.operators.records.Completion;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.ResultLine;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each row meets its result by custom_id, whichever arrives first, and nothing waits after they met. */
class RowResultJoinTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ItemMapper MAPPER = ItemMapperTest.mapper(new DatasetColumns("q", null, "id", "{}", List.of(), null), false);
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
        assertThat(out.get(0).values().path("q").asText()).isEqualTo("first row");
        assertThat(out.get(0).values().path("generated_text").asText()).isEqualTo("A");
        assertThat(out.get(1).values().path("q").asText()).isEqualTo("second row");
        assertThat(out.get(1).values().path("generated_text").asText()).isEqualTo("late");
        assertThat(harness.numKeyedStateEntries()).as("met rows and results leave no state").isZero();
    }

    @Test
    void keepsOnlyTheRowsStillWaiting() throws Exception {
        harness.processElement1(item("a", "{\"q\":\"1\"}"), 1);
        harness.processElement1(item("b", "{\"q\":\"2\"}"), 2);
        harness.processElement2(result("a", "x"), 3);
        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
    }

    @Test
    void waitingRowsAndResultsSurviveASnapshotAndRestore() throws Exception {
        harness.processElement1(item("a", "{\"q\":\"kept\",\"n\":7}"), 1);
        harness.processElement2(result("b", "waiting"), 2);
        OperatorSubtaskState snapshot = harness.snapshot(1, 3);
        harness.close();

        harness = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new RowResultJoin(null)),
                BatchItem::key, ResultLine::customId, Types.STRING);
        harness.initializeState(snapshot);
        harness.open();
        harness.processElement2(result("a", "A"), 4);
        harness.processElement1(item("b", "{\"q\":\"late row\"}"), 5);

        List<OutputRow> out = harness.extractOutputValues();
        assertThat(out).extracting(row -> row.values().path("generated_text").asText()).containsExactly("A", "waiting");
        assertThat(out.get(0).values().path("n").isInt()).as("values keep their type through state").isTrue();
    }

    /** A dataset row with id {@code id}, through the job's own mapping. */
    private static BatchItem item(String id, String row) throws Exception {
        ObjectNode values = (ObjectNode) JSON.readTree(row);
        values.put("id", id);
        BatchItem item = MAPPER.map(SourceRow.values("rows.jsonl", 0, values));
        assertThat(item.isRequest()).isTrue();
        return item;
    }

    private static ResultLine result(String id, String text) {
        return ResultLine.success(id, Endpoint.COMPLETION, "m", new Completion(text, FinishReason.STOP, 1, 1, 0), 0);
    }
}
