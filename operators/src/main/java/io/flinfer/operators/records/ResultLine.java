package io.flinfer.operators.records;

import io.flinfer.engine.core.FinishReason;
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
 * One output line of the OpenAI Batch format, held as its values (a completion, or an error), with
 * the custom_id that keys it on Kafka. It is written as text once, where it leaves the job
 * ({@link #json()}), and read by the batch job's dataset columns without any text in between
 * ({@link #summary()}). Between operators it travels with its own {@link Serializer}.
 */
@TypeInfo(ResultLine.FlinkType.class)
public final class ResultLine {
    private final String customId;
    private final Endpoint endpoint;
    private final String model;
    private final Completion completion;
    private final long created;
    private final RequestError error;
    private final String errorMessage;

    private ResultLine(String customId, Endpoint endpoint, String model, Completion completion, long created,
            RequestError error, String errorMessage) {
        this.customId = Objects.requireNonNull(customId, "customId");
        this.endpoint = endpoint;
        this.model = model;
        this.completion = completion;
        this.created = created;
        this.error = error;
        this.errorMessage = errorMessage;
    }

    /** A completed request; {@code model} as the request named it, {@code created} in Unix seconds. */
    public static ResultLine success(String customId, Endpoint endpoint, String model, Completion completion,
            long created) {
        return new ResultLine(customId, Objects.requireNonNull(endpoint, "endpoint"), Objects.requireNonNull(model, "model"),
                Objects.requireNonNull(completion, "completion"), created, null, null);
    }

    /** A request answered with an error. */
    public static ResultLine error(String customId, RequestError error, String message) {
        return new ResultLine(customId, null, null, null, 0, Objects.requireNonNull(error, "error"),
                Objects.requireNonNull(message, "message"));
    }

    /** A request that cannot be served as written (status 400). */
    public static ResultLine badRequest(String customId, String message) {
        return error(customId, RequestError.BAD_REQUEST, message);
    }

    public String customId() {
        return customId;
    }

    public boolean failed() {
        return error != null;
    }

    /** The line as {@link ResultWriter} writes it: one JSON object, no trailing newline. */
    public String json() {
        return failed() ? ResultWriter.error(customId, error, errorMessage)
                : ResultWriter.success(customId, endpoint, model, completion, created);
    }

    /** What {@link ResultSummary#read} reads from {@link #json()}, taken from the values themselves. */
    public ResultSummary summary() {
        if (failed()) {
            return new ResultSummary(customId, true, errorMessage, "", "", 0, 0, 0);
        }
        return new ResultSummary(customId, false, null, completion.text(), completion.finishReason().openAiName(),
                completion.promptTokens(), completion.completionTokens(), completion.cachedTokens());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResultLine r && customId.equals(r.customId) && endpoint == r.endpoint
                && Objects.equals(model, r.model) && Objects.equals(completion, r.completion) && created == r.created
                && error == r.error && Objects.equals(errorMessage, r.errorMessage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customId, endpoint, model, completion, created, error, errorMessage);
    }

    @Override
    public String toString() {
        return json();
    }

    /**
     * Format version 1: custom_id, then either (false) the url, model, created and the completion's
     * text, finish reason and token counts, or (true) the error's name and message.
     */
    public static final class Serializer extends VersionedSerializer<ResultLine> {
        private static final long serialVersionUID = 1L;

        @Override
        protected int version() {
            return 1;
        }

        @Override
        protected void write(ResultLine r, DataOutputView out) throws IOException {
            RecordFormat.writeString(r.customId, out);
            out.writeBoolean(r.failed());
            if (r.failed()) {
                RecordFormat.writeString(r.error.name(), out);
                RecordFormat.writeString(r.errorMessage, out);
                return;
            }
            RecordFormat.writeString(r.endpoint.url(), out);
            RecordFormat.writeString(r.model, out);
            out.writeLong(r.created);
            Completion c = r.completion;
            RecordFormat.writeString(c.text(), out);
            RecordFormat.writeString(c.finishReason().name(), out);
            out.writeInt(c.promptTokens());
            out.writeInt(c.completionTokens());
            out.writeInt(c.cachedTokens());
        }

        @Override
        protected ResultLine read(int version, DataInputView in) throws IOException {
            String customId = RecordFormat.readString(in);
            if (in.readBoolean()) {
                return error(customId, RequestError.valueOf(RecordFormat.readString(in)), RecordFormat.readString(in));
            }
            Endpoint endpoint = Endpoint.ofStoredUrl(RecordFormat.readString(in));
            String model = RecordFormat.readString(in);
            long created = in.readLong();
            Completion completion = new Completion(RecordFormat.readString(in),
                    FinishReason.valueOf(RecordFormat.readString(in)), in.readInt(), in.readInt(), in.readInt());
            return success(customId, endpoint, model, completion, created);
        }

        @Override
        public TypeSerializerSnapshot<ResultLine> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Stateless: every format version is read by the current serializer. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<ResultLine> {
            public Snapshot() {
                super(Serializer::new);
            }
        }
    }

    /** Tells Flink to use {@link Serializer}. */
    public static final class FlinkType extends TypeInfoFactory<ResultLine> {
        @Override
        public TypeInformation<ResultLine> createTypeInfo(Type type, Map<String, TypeInformation<?>> generics) {
            return new VersionedTypeInfo<>(ResultLine.class, Serializer::new);
        }
    }
}
