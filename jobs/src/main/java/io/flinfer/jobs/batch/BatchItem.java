package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.RecordFormat;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.VersionedSerializer;
import io.flinfer.operators.records.VersionedTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
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
 * One input row on its way through the batch job, as values: the key that must be unique in the
 * input (the custom_id), where the row came from, for datasets the row itself (which meets its result
 * again at the sink), and exactly one of: the parsed {@link #request()} for the engine, the error
 * result that already {@link #answer()}s it (a request that cannot be served as written), or the
 * reason it is {@link #refusal() refused} without a custom_id to answer (not a request, an empty id).
 * The row's values are never changed after {@link ItemMapper} made them.
 */
@TypeInfo(BatchItem.FlinkType.class)
public final class BatchItem {
    private final String key;
    private final String file;
    private final long index;
    private final ObjectNode row;
    private final InferenceRequest request;
    private final ResultLine answer;
    private final String refusal;

    private BatchItem(String key, String file, long index, ObjectNode row, InferenceRequest request, ResultLine answer,
            String refusal) {
        this.key = Objects.requireNonNull(key, "key");
        this.file = file;
        this.index = index;
        this.row = row;
        this.request = request;
        this.answer = answer;
        this.refusal = refusal;
    }

    static BatchItem request(String key, SourceRow source, ObjectNode row, InferenceRequest request) {
        return new BatchItem(key, source.file(), source.index(), row, Objects.requireNonNull(request), null, null);
    }

    static BatchItem answered(String key, SourceRow source, ObjectNode row, ResultLine answer) {
        return new BatchItem(key, source.file(), source.index(), row, null, Objects.requireNonNull(answer), null);
    }

    static BatchItem refused(String key, SourceRow source, ObjectNode row, String reason) {
        return new BatchItem(key, source.file(), source.index(), row, null, null, Objects.requireNonNull(reason));
    }

    /** The custom_id, or for a line without one a key of its own that no custom_id can take. */
    public String key() { return key; }
    public String file() { return file; }
    public long index() { return index; }
    /** The dataset row; null for OpenAI request files. */
    public ObjectNode row() { return row; }
    public boolean isRequest() { return request != null; }
    /** The request for the engine; null unless {@link #isRequest()}. */
    public InferenceRequest request() { return request; }
    /** The error result of a request that cannot be served as written, or null. */
    public ResultLine answer() { return answer; }
    /** Why a record without a custom_id to answer gets no request, or null. */
    public String refusal() { return refusal; }

    /** What is wrong with a row that is not a request for the engine: the answer's message or the refusal. */
    String errorMessage() {
        return answer != null ? answer.summary().errorMessage() : refusal;
    }

    /**
     * Format version 1: key, file, index, the row (or none), then a tag and the request (0), the
     * answer (1) or the refusal (2), each with its own format.
     */
    public static final class Serializer extends VersionedSerializer<BatchItem> {
        private static final long serialVersionUID = 1L;
        private static final InferenceRequest.Serializer REQUESTS = new InferenceRequest.Serializer();
        private static final ResultLine.Serializer ANSWERS = new ResultLine.Serializer();

        @Override
        protected int version() {
            return 1;
        }

        @Override
        protected void write(BatchItem item, DataOutputView out) throws IOException {
            RecordFormat.writeString(item.key, out);
            RecordFormat.writeString(item.file, out);
            out.writeLong(item.index);
            JsonTreeFormat.writeObject(item.row, out);
            if (item.request != null) {
                out.writeByte(0);
                REQUESTS.serialize(item.request, out);
            } else if (item.answer != null) {
                out.writeByte(1);
                ANSWERS.serialize(item.answer, out);
            } else {
                out.writeByte(2);
                RecordFormat.writeString(item.refusal, out);
            }
        }

        @Override
        protected BatchItem read(int version, DataInputView in) throws IOException {
            String key = RecordFormat.readString(in);
            String file = RecordFormat.readString(in);
            long index = in.readLong();
            ObjectNode row = JsonTreeFormat.readObject(in);
            int kind = in.readUnsignedByte();
            return switch (kind) {
                case 0 -> new BatchItem(key, file, index, row, REQUESTS.deserialize(in), null, null);
                case 1 -> new BatchItem(key, file, index, row, null, ANSWERS.deserialize(in), null);
                case 2 -> new BatchItem(key, file, index, row, null, null, RecordFormat.readString(in));
                default -> throw new IOException("a batch item of kind " + kind + " does not exist: the record is corrupt");
            };
        }

        @Override
        public TypeSerializerSnapshot<BatchItem> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Stateless: every format version is read by the current serializer. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<BatchItem> {
            public Snapshot() {
                super(Serializer::new);
            }
        }
    }

    /** Tells Flink to use {@link Serializer}. */
    public static final class FlinkType extends TypeInfoFactory<BatchItem> {
        @Override
        public TypeInformation<BatchItem> createTypeInfo(Type type, Map<String, TypeInformation<?>> generics) {
            return new VersionedTypeInfo<>(BatchItem.class, Serializer::new);
        }
    }
}
