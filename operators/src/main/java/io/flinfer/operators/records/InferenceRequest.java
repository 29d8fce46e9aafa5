package io.flinfer.operators.records;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.tokenizer.ChatMessage;
import io.flinfer.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One valid request of the OpenAI Batch API, parsed once: its messages or prompt, its sampling
 * parameters and cache salt, checked. Only {@link RequestParser} makes them. Between Flink
 * operators it travels with its own {@link Serializer}.
 */
@TypeInfo(InferenceRequest.FlinkType.class)
public final class InferenceRequest {
    private final String customId;
    private final Endpoint endpoint;
    private final String model;
    private final List<ChatMessage> messages;
    private final String prompt;
    private final SamplingParams samplingParams;
    private final String cacheSalt;

    private InferenceRequest(String customId, Endpoint endpoint, String model, List<ChatMessage> messages,
            String prompt, SamplingParams samplingParams, String cacheSalt) {
        this.customId = customId;
        this.endpoint = endpoint;
        this.model = model;
        this.messages = messages;
        this.prompt = prompt;
        this.samplingParams = samplingParams;
        this.cacheSalt = cacheSalt;
    }

    /** Reads and checks every field; throws {@link InvalidRequestException} with the reason. */
    static InferenceRequest parse(String customId, Endpoint endpoint, String model, ObjectNode body) {
        BodyFields fields = new BodyFields(body);
        boolean chat = endpoint == Endpoint.CHAT;
        return new InferenceRequest(customId, endpoint, model, chat ? ChatMessages.from(fields) : null,
                chat ? null : prompt(fields), SamplingParamsMapping.map(fields, endpoint), cacheSalt(fields));
    }

    public String customId() {
        return customId;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The body's {@code model}, else the served model's name. */
    public String model() {
        return model;
    }

    /** The chat messages; only for {@link Endpoint#CHAT}. */
    public List<ChatMessage> messages() {
        requireEndpoint(Endpoint.CHAT, "messages");
        return messages;
    }

    /**
     * This request's prompt in {@code tokenizer}'s ids: its messages through the model's chat
     * template, or its prompt text.
     *
     * @throws RuntimeException when it cannot be rendered (e.g. chat messages for a model without a chat template)
     */
    public int[] promptIds(Tokenizer tokenizer) {
        return endpoint == Endpoint.CHAT
                ? tokenizer.encodeWithoutSpecialTokens(tokenizer.applyChatTemplate(messages, true))
                : tokenizer.encode(prompt);
    }

    /** The prompt text; only for {@link Endpoint#COMPLETION}. */
    public String prompt() {
        requireEndpoint(Endpoint.COMPLETION, "a prompt");
        return prompt;
    }

    /** As the request asked; without a seed unless it gave one (prepare fixes it). */
    public SamplingParams samplingParams() {
        return samplingParams;
    }

    /** vLLM's {@code cache_salt}: requests share prefix-cache blocks only when their salts match. */
    public Optional<String> cacheSalt() {
        return Optional.ofNullable(cacheSalt);
    }

    private static String prompt(BodyFields fields) {
        String prompt = fields.string("prompt").orElseThrow(() -> new InvalidRequestException(
                "prompt is required for " + Endpoint.COMPLETION.url()
                        + " (a string; lists of prompts and token ids are not supported)"));
        if (prompt.isEmpty()) {
            throw new InvalidRequestException("prompt must not be empty");
        }
        return prompt;
    }

    private static String cacheSalt(BodyFields fields) {
        Optional<String> salt = fields.string("cache_salt");
        if (salt.isPresent() && salt.get().isEmpty()) {
            throw new InvalidRequestException("cache_salt must not be empty; leave it out for no salt");
        }
        return salt.orElse(null);
    }

    private void requireEndpoint(Endpoint expected, String what) {
        if (endpoint != expected) {
            throw new IllegalStateException("request " + customId + " is for " + endpoint.url()
                    + " and has no " + what + "; check endpoint() first");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceRequest other
                && customId.equals(other.customId)
                && endpoint == other.endpoint
                && Objects.equals(model, other.model)
                && Objects.equals(messages, other.messages)
                && Objects.equals(prompt, other.prompt)
                && samplingParams.equals(other.samplingParams)
                && Objects.equals(cacheSalt, other.cacheSalt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customId, endpoint, model, messages, prompt, samplingParams, cacheSalt);
    }

    @Override
    public String toString() {
        return "InferenceRequest{custom_id=" + customId + ", url=" + endpoint.url() + ", model=" + model + "}";
    }

    /**
     * Format version 1: custom_id, url, model, messages or prompt, sampling parameters, cache salt.
     * Version 2 adds the sampling parameters' structured output at the end (version 1 lost it when
     * parse and prepare were not chained).
     */
    public static final class Serializer extends VersionedSerializer<InferenceRequest> {
        private static final long serialVersionUID = 1L;

        @Override
        protected int version() {
            return 2;
        }

        @Override
        protected void write(InferenceRequest r, DataOutputView out) throws IOException {
            RecordFormat.writeString(r.customId, out);
            RecordFormat.writeString(r.endpoint.url(), out);
            RecordFormat.writeString(r.model, out);
            if (r.endpoint == Endpoint.CHAT) {
                out.writeInt(r.messages.size());
                for (ChatMessage m : r.messages) {
                    RecordFormat.writeString(m.role(), out);
                    RecordFormat.writeString(m.content(), out);
                }
            } else {
                RecordFormat.writeString(r.prompt, out);
            }
            RecordFormat.writeSamplingParams(r.samplingParams, out);
            RecordFormat.writeString(r.cacheSalt, out);
            RecordFormat.writeStructuredOutput(r.samplingParams.structuredOutput, out);
        }

        @Override
        protected InferenceRequest read(int version, DataInputView in) throws IOException {
            String customId = RecordFormat.readString(in);
            Endpoint endpoint = Endpoint.ofStoredUrl(RecordFormat.readString(in));
            String model = RecordFormat.readString(in);
            List<ChatMessage> messages = null;
            String prompt = null;
            if (endpoint == Endpoint.CHAT) {
                messages = new ArrayList<>();
                for (int n = in.readInt(); n > 0; n--) {
                    messages.add(new ChatMessage(RecordFormat.readString(in), RecordFormat.readString(in)));
                }
                messages = List.copyOf(messages);
            } else {
                prompt = RecordFormat.readString(in);
            }
            SamplingParams params = RecordFormat.readSamplingParams(in);
            String cacheSalt = RecordFormat.readString(in);
            if (version >= 2) {
                params = params.toBuilder().structuredOutput(RecordFormat.readStructuredOutput(in)).build();
            }
            return new InferenceRequest(customId, endpoint, model, messages, prompt, params, cacheSalt);
        }

        @Override
        public TypeSerializerSnapshot<InferenceRequest> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Stateless: every format version is read by the current serializer. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<InferenceRequest> {
            public Snapshot() {
                super(Serializer::new);
            }
        }
    }

    /** Tells Flink to use {@link Serializer}. */
    public static final class FlinkType extends TypeInfoFactory<InferenceRequest> {
        @Override
        public TypeInformation<InferenceRequest> createTypeInfo(Type type, Map<String, TypeInformation<?>> generics) {
            return new VersionedTypeInfo<>(InferenceRequest.class, Serializer::new);
        }
    }
}
