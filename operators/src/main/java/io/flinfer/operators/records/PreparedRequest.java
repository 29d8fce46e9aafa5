package io.flinfer.operators.records;

import io.flinfer.engine.sampling.SamplingParams;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Arrays;
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
 * A request ready for the engine, all decided: its prompt token ids, its sampling parameters with
 * the seed fixed (its own, or one derived from its custom_id so that a replay samples the same
 * text), its cache salt, and the routing key of its prompt prefix. Plus what its result line names:
 * custom_id, endpoint and model; and the request it was prepared from, so that it can be prepared
 * again when an upgrade brings a model with another tokenizer. It sits in the generate operator's
 * checkpoints, written by its {@link Serializer}.
 */
@TypeInfo(PreparedRequest.FlinkType.class)
public final class PreparedRequest {
    private final String customId;
    private final Endpoint endpoint;
    private final String model;
    private final int[] promptIds;
    private final SamplingParams samplingParams;
    private final String cacheSalt;
    private final String prefixKey;
    private final InferenceRequest source;

    /**
     * @param samplingParams with a seed
     * @param cacheSalt null for none
     * @param source what it was prepared from; null where unknown (state written before format version 3)
     */
    public PreparedRequest(String customId, Endpoint endpoint, String model, int[] promptIds,
            SamplingParams samplingParams, String cacheSalt, String prefixKey, InferenceRequest source) {
        if (samplingParams.seed == null) {
            throw new IllegalArgumentException("a prepared request has its seed fixed; " + customId + " has none");
        }
        this.customId = customId;
        this.endpoint = endpoint;
        this.model = model;
        this.promptIds = promptIds;
        this.samplingParams = samplingParams;
        this.cacheSalt = cacheSalt;
        this.prefixKey = prefixKey;
        this.source = source;
    }

    /** The same request with the prompt ids of another tokenizer (its source rendered again). */
    public PreparedRequest withPromptIds(int[] ids) {
        return new PreparedRequest(customId, endpoint, model, ids, samplingParams, cacheSalt, prefixKey, source);
    }

    public String customId() { return customId; }
    public Endpoint endpoint() { return endpoint; }
    public String model() { return model; }
    public int[] promptIds() { return promptIds; }
    public SamplingParams samplingParams() { return samplingParams; }
    /** Null for none. */
    public String cacheSalt() { return cacheSalt; }
    public String prefixKey() { return prefixKey; }
    /** The request it was prepared from; null in state written before format version 3. */
    public InferenceRequest source() { return source; }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreparedRequest other
                && customId.equals(other.customId)
                && endpoint == other.endpoint
                && Objects.equals(model, other.model)
                && Arrays.equals(promptIds, other.promptIds)
                && samplingParams.equals(other.samplingParams)
                && Objects.equals(cacheSalt, other.cacheSalt)
                && prefixKey.equals(other.prefixKey)
                && Objects.equals(source, other.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customId, prefixKey);
    }

    @Override
    public String toString() {
        return "PreparedRequest{custom_id=" + customId + ", prompt tokens=" + promptIds.length + ", key=" + prefixKey + "}";
    }

    /**
     * Format version 1: custom_id, url, model, prompt ids, sampling parameters, cache salt, prefix key.
     * Version 2 adds the sampling parameters' structured output at the end, version 3 the request it was
     * prepared from (a presence byte, then {@link InferenceRequest.Serializer}'s format). A new field is a
     * new version; {@link #read} keeps reading older versions with the field's default.
     */
    public static final class Serializer extends VersionedSerializer<PreparedRequest> {
        private static final long serialVersionUID = 1L;
        private static final InferenceRequest.Serializer SOURCE = new InferenceRequest.Serializer();

        @Override
        protected int version() {
            return 3;
        }

        @Override
        protected void write(PreparedRequest r, DataOutputView out) throws IOException {
            RecordFormat.writeString(r.customId, out);
            RecordFormat.writeString(r.endpoint.url(), out);
            RecordFormat.writeString(r.model, out);
            RecordFormat.writeInts(r.promptIds, out);
            RecordFormat.writeSamplingParams(r.samplingParams, out);
            RecordFormat.writeString(r.cacheSalt, out);
            RecordFormat.writeString(r.prefixKey, out);
            RecordFormat.writeStructuredOutput(r.samplingParams.structuredOutput, out);
            out.writeBoolean(r.source != null);
            if (r.source != null) {
                SOURCE.serialize(r.source, out);
            }
        }

        @Override
        protected PreparedRequest read(int version, DataInputView in) throws IOException {
            String customId = RecordFormat.readString(in);
            Endpoint endpoint = Endpoint.ofStoredUrl(RecordFormat.readString(in));
            String model = RecordFormat.readString(in);
            int[] promptIds = RecordFormat.readInts(in);
            SamplingParams params = RecordFormat.readSamplingParams(in);
            String cacheSalt = RecordFormat.readString(in);
            String prefixKey = RecordFormat.readString(in);
            if (version >= 2) {
                params = params.toBuilder().structuredOutput(RecordFormat.readStructuredOutput(in)).build();
            }
            InferenceRequest source = version >= 3 && in.readBoolean() ? SOURCE.deserialize(in) : null;
            return new PreparedRequest(customId, endpoint, model, promptIds, params, cacheSalt, prefixKey, source);
        }

        @Override
        public TypeSerializerSnapshot<PreparedRequest> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Stateless: every format version is read by the current serializer. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<PreparedRequest> {
            public Snapshot() {
                super(Serializer::new);
            }
        }
    }

    /** Tells Flink to use {@link Serializer}. */
    public static final class FlinkType extends TypeInfoFactory<PreparedRequest> {
        @Override
        public TypeInformation<PreparedRequest> createTypeInfo(Type type, Map<String, TypeInformation<?>> generics) {
            return new VersionedTypeInfo<>(PreparedRequest.class, Serializer::new);
        }
    }
}
