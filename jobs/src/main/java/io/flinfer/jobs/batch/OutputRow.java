package io.flinfer.jobs.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.ResultSummary;
import io.flinfer.operators.records.VersionedSerializer;
import io.flinfer.operators.records.VersionedTypeInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One line or row of the output as values, written in the output's format only at the sink: a
 * dataset row with its generated columns (or an error line that has no custom_id), or an OpenAI
 * result line. It carries the numbers the progress bar and summary add up, so nothing reads the
 * output again to count it.
 */
@TypeInfo(OutputRow.FlinkType.class)
public final class OutputRow {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode values;
    private final ResultLine result;
    private final boolean error;
    private final long promptTokens;
    private final long completionTokens;
    private final long cachedTokens;

    private OutputRow(ObjectNode values, ResultLine result, boolean error, long promptTokens, long completionTokens,
            long cachedTokens) {
        this.values = values;
        this.result = result;
        this.error = error;
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        this.cachedTokens = cachedTokens;
    }

    /** A JSON object written as it is, counted with the result it holds. */
    static OutputRow values(ObjectNode values, ResultSummary counts) {
        return new OutputRow(Objects.requireNonNull(values), null, counts.failed(), counts.promptTokens(),
                counts.completionTokens(), counts.cachedTokens());
    }

    /** A JSON object written as it is, for a row or line that got no result. */
    static OutputRow error(ObjectNode values) {
        return new OutputRow(Objects.requireNonNull(values), null, true, 0, 0, 0);
    }

    /** An OpenAI Batch API result line, counted by its own values. */
    static OutputRow result(ResultLine result) {
        ResultSummary counts = result.summary();
        return new OutputRow(null, result, counts.failed(), counts.promptTokens(), counts.completionTokens(),
                counts.cachedTokens());
    }

    /** The values of a dataset row or error line; null for a result line. */
    public ObjectNode values() { return values; }
    public boolean isError() { return error; }
    public long promptTokens() { return promptTokens; }
    public long completionTokens() { return completionTokens; }
    public long cachedTokens() { return cachedTokens; }

    /** The row as one line of JSON, without the newline: what a JSONL output holds. */
    public byte[] jsonBytes() {
        if (result != null) {
            return result.json().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return JSON.writeValueAsBytes(values);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a row's values cannot be written as JSON", e);
        }
    }

    /** {@link #jsonBytes()} as text, for people and tests. */
    public String json() {
        return new String(jsonBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return json();
    }

    /**
     * Format version 1: the error flag and the three token counts, then a tag and the values (0) or
     * the result line (1).
     */
    public static final class Serializer extends VersionedSerializer<OutputRow> {
        private static final long serialVersionUID = 1L;
        private static final ResultLine.Serializer RESULTS = new ResultLine.Serializer();

        @Override
        protected int version() {
            return 1;
        }

        @Override
        protected void write(OutputRow row, DataOutputView out) throws IOException {
            out.writeBoolean(row.error);
            out.writeLong(row.promptTokens);
            out.writeLong(row.completionTokens);
            out.writeLong(row.cachedTokens);
            if (row.result == null) {
                out.writeByte(0);
                JsonTreeFormat.writeObject(row.values, out);
            } else {
                out.writeByte(1);
                RESULTS.serialize(row.result, out);
            }
        }

        @Override
        protected OutputRow read(int version, DataInputView in) throws IOException {
            boolean error = in.readBoolean();
            long prompt = in.readLong();
            long completion = in.readLong();
            long cached = in.readLong();
            int kind = in.readUnsignedByte();
            return switch (kind) {
                case 0 -> new OutputRow(JsonTreeFormat.readObject(in), null, error, prompt, completion, cached);
                case 1 -> new OutputRow(null, RESULTS.deserialize(in), error, prompt, completion, cached);
                default -> throw new IOException("an output row of kind " + kind + " does not exist: the record is corrupt");
            };
        }

        @Override
        public TypeSerializerSnapshot<OutputRow> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Stateless: every format version is read by the current serializer. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<OutputRow> {
            public Snapshot() {
                super(Serializer::new);
            }
        }
    }

    /** Tells Flink to use {@link Serializer}. */
    public static final class FlinkType extends TypeInfoFactory<OutputRow> {
        @Override
        public TypeInformation<OutputRow> createTypeInfo(Type type, Map<String, TypeInformation<?>> generics) {
            return new VersionedTypeInfo<>(OutputRow.class, Serializer::new);
        }
    }
}
