package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.core.FinishReason;
import io.flinfer.operators.records.Completion;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.VersionedSerializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The batch job's records travel and sit in state with their own serializers (never Flink's Kryo
 * fallback), keep every value with its type, and restore from a checkpoint's serializer snapshot.
 */
class BatchRecordSerializationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "file:/data/rows.parquet";
    private static final ItemMapper DATASET = ItemMapperTest.mapper(new DatasetColumns("question", null, null,
            "{\"max_tokens\":4}", List.of(), null), false);

    @Test
    void noRecordOfTheBatchJobFallsBackToKryo() {
        for (Class<?> type : List.of(SourceRow.class, BatchItem.class, OutputRow.class, ResultLine.class)) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertThat(info).as(type.getSimpleName()).isNotInstanceOf(GenericTypeInfo.class);
            assertThat(info.createSerializer(new SerializerConfigImpl())).as(type.getSimpleName())
                    .isInstanceOf(VersionedSerializer.class);
        }
    }

    @Test
    void aRowKeepsEveryValueWithItsType() throws Exception {
        ObjectNode row = JSON.createObjectNode();
        row.put("int32", 7).put("int64", 1L << 40).put("big", new BigInteger("123456789012345678901234567890"))
                .put("float", 1.5f).put("double", 0.1).put("decimal", new BigDecimal("3.14159265358979323846"))
                .put("text", "h\u00e9llo " + "x".repeat(70_000)).put("bytes", new byte[] {0, 1, (byte) 255})
                .put("yes", true).put("no", false).putNull("nothing");
        row.putArray("messages").addObject().put("role", "user").put("content", "Hi");
        row.putArray("mixed").add(1).addNull().addArray().add("deep");
        SourceRow source = SourceRow.values(FILE, 3, row);

        SourceRow copy = roundTrip(source, SourceRow.class);

        assertThat(copy.values()).isEqualTo(row);
        assertThat(copy.values().get("int32").isInt()).isTrue();
        assertThat(copy.values().get("float").isFloat()).isTrue();
        assertThat(copy.values().get("bytes").isBinary()).isTrue();
        assertThat(copy.values().fieldNames()).toIterable().containsExactlyElementsOf(() -> row.fieldNames());
        assertThat(copy.file()).isEqualTo(FILE);
        assertThat(copy.index()).isEqualTo(3);
        assertThat(copy.line()).isNull();
        assertThat(roundTrip(SourceRow.line(FILE, 0, "{\"a\":1}"), SourceRow.class).line()).isEqualTo("{\"a\":1}");
    }

    @Test
    void anItemKeepsItsRowAndItsRequestAnswerOrRefusal() throws Exception {
        BatchItem request = DATASET.map(SourceRow.values(FILE, 0, object("{\"question\":\"Why?\",\"n\":1}")));
        BatchItem answered = DATASET.map(SourceRow.values(FILE, 1, object("{\"question\":5}")));
        BatchItem refused = DATASET.map(SourceRow.line(FILE, 2, "[]"));
        assertThat(List.of(request.isRequest(), answered.answer() != null, refused.refusal() != null)).containsOnly(true);

        for (BatchItem item : List.of(request, answered, refused)) {
            BatchItem copy = roundTrip(item, BatchItem.class);
            assertThat(copy.key()).isEqualTo(item.key());
            assertThat(copy.file()).isEqualTo(item.file());
            assertThat(copy.index()).isEqualTo(item.index());
            assertThat(copy.row()).isEqualTo(item.row());
            assertThat(copy.request()).isEqualTo(item.request());
            assertThat(copy.answer()).isEqualTo(item.answer());
            assertThat(copy.refusal()).isEqualTo(item.refusal());
        }
    }

    @Test
    void anOutputRowKeepsItsValuesOrItsResultAndItsCounts() throws Exception {
        ResultLine result = ResultLine.success("7", Endpoint.CHAT, "m", new Completion("Hi", FinishReason.STOP, 9, 2, 8), 1700000000);
        OutputRow joined = GeneratedColumns.withResult(object("{\"q\":\"x\",\"n\":2}"), result, null);
        OutputRow line = OutputRow.result(result);
        OutputRow failed = OutputRow.result(ResultLine.badRequest("8", "no"));

        for (OutputRow row : List.of(joined, line, failed)) {
            OutputRow copy = roundTrip(row, OutputRow.class);
            assertThat(copy.json()).isEqualTo(row.json());
            assertThat(copy.values()).isEqualTo(row.values());
            assertThat(copy.isError()).isEqualTo(row.isError());
            assertThat(new long[] {copy.promptTokens(), copy.completionTokens(), copy.cachedTokens()})
                    .containsExactly(row.promptTokens(), row.completionTokens(), row.cachedTokens());
        }
        assertThat(joined.values().get("n").isInt()).isTrue();
        assertThat(failed.isError()).isTrue();
    }

    @Test
    void aCheckpointsSerializerSnapshotRestoresAReaderOfItsBytesCompatibleAsIs() throws Exception {
        BatchItem item = DATASET.map(SourceRow.values(FILE, 0, object("{\"question\":\"Why?\"}")));
        assertRestores(item, BatchItem.class, BatchItem::row);
        assertRestores(SourceRow.values(FILE, 1, object("{\"a\":[1,2]}")), SourceRow.class, SourceRow::values);
        assertRestores(OutputRow.result(ResultLine.badRequest("x", "why")), OutputRow.class, OutputRow::json);
    }

    /**
     * As a restore does: the snapshot written with a checkpoint is read back, judged against the
     * serializer of the running job, and its restored serializer reads the checkpoint's bytes.
     */
    private static <T> void assertRestores(T value, Class<T> type, Function<T, Object> content) throws IOException {
        TypeSerializer<T> serializer = serializer(type);
        DataOutputSerializer state = new DataOutputSerializer(256);
        serializer.serialize(value, state);
        DataOutputSerializer snapshotBytes = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(snapshotBytes, serializer.snapshotConfiguration());

        TypeSerializerSnapshot<T> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(snapshotBytes.getCopyOfBuffer()), BatchRecordSerializationTest.class.getClassLoader());
        TypeSerializerSchemaCompatibility<T> compatibility =
                serializer(type).snapshotConfiguration().resolveSchemaCompatibility(restored);
        assertThat(compatibility.isCompatibleAsIs()).as(type.getSimpleName()).isTrue();
        T read = restored.restoreSerializer().deserialize(new DataInputDeserializer(state.getCopyOfBuffer()));
        assertThat(content.apply(read)).isEqualTo(content.apply(value));
    }

    private static <T> TypeSerializer<T> serializer(Class<T> type) {
        return TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
    }

    private static <T> T roundTrip(T value, Class<T> type) throws IOException {
        TypeSerializer<T> serializer = serializer(type);
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T copy = serializer.deserialize(in);
        assertThat(in.available()).as("every byte written is read").isZero();
        return copy;
    }

    private static ObjectNode object(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        return (ObjectNode) node;
    }
}
