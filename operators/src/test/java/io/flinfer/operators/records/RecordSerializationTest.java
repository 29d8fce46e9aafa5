package io.flinfer.operators.records;

import static io.flinfer.operators.records.RequestParserTest.bytes;
import static io.flinfer.operators.records.RequestParserTest.chat;
import static io.flinfer.operators.records.RequestParserTest.completion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.core.FinishReason;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.StructuredOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The records that cross Flink operators use their own versioned serializers (not Kryo), and a
 * round trip keeps every field, a prompt longer than 64 KiB included.
 */
class RecordSerializationTest {
    private static final RequestParser PARSER = new RequestParser(ServedModel.named("m"));

    @Test
    void aChatRequestKeepsEverything() throws Exception {
        InferenceRequest request = parse(chat("ser-1", "{\"model\": \"m\", \"messages\": [{\"role\": \"system\","
                + " \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi \u00e9\"}], \"temperature\": 0.3,"
                + " \"seed\": 9, \"stop\": [\"END\"], \"stop_token_ids\": [2], \"logprobs\": true, \"top_logprobs\": 2,"
                + " \"cache_salt\": \"s\"}"));

        InferenceRequest copy = roundTrip(request, InferenceRequest.class);

        assertThat(copy).isEqualTo(request);
        assertThat(copy.messages()).isEqualTo(request.messages());
        assertThat(copy.samplingParams()).isEqualTo(request.samplingParams());
        assertThat(copy.samplingParams().logprobs).isEqualTo(2);
        assertThat(copy.cacheSalt()).contains("s");
    }

    @Test
    void aLongCompletionRequestWithoutSaltOrSeedKeepsEverything() throws Exception {
        InferenceRequest request = parse(completion("ser-2", "{\"prompt\": \"" + "x".repeat(100_000) + "\"}"));

        InferenceRequest copy = roundTrip(request, InferenceRequest.class);

        assertThat(copy).isEqualTo(request);
        assertThat(copy.prompt()).hasSize(100_000);
        assertThat(copy.samplingParams().seed).isNull();
        assertThat(copy.cacheSalt()).isEmpty();
    }

    @Test
    void aPreparedRequestKeepsEverything() throws Exception {
        InferenceRequest source = parse(chat("p-1", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));
        PreparedRequest prepared = new PreparedRequest("p-1", Endpoint.CHAT, "m", new int[] {1, 5, 9},
                SamplingParams.builder().temperature(0.5).seed(-7L).maxTokens(30).build(), null, "p:00ff", source);

        PreparedRequest copy = roundTrip(prepared, PreparedRequest.class);

        assertThat(copy).isEqualTo(prepared);
        assertThat(copy.promptIds()).containsExactly(1, 5, 9);
        assertThat(copy.samplingParams().seed).isEqualTo(-7L);
        assertThat(copy.cacheSalt()).isNull();
        assertThat(copy.source()).isEqualTo(source);
    }

    /** Version 2 (in checkpoints of the version before) has no source: it reads as a request without one. */
    @Test
    void aPreparedRequestOfTheFormerFormatReadsWithoutItsSource() throws Exception {
        PreparedRequest prepared = new PreparedRequest("p-3", Endpoint.COMPLETION, "m", new int[] {1, 2},
                SamplingParams.builder().seed(3L).build(), null, "p:02", null);
        assertThat(readAsFormerVersion(new PreparedRequest.Serializer(), prepared)).isEqualTo(prepared);
    }

    @Test
    void aPreparedRequestKeepsItsOutputConstraint() throws Exception {
        StructuredOutput constraint = new StructuredOutput(StructuredOutput.Kind.JSON_SCHEMA, "{\"type\":\"string\"}", true);
        PreparedRequest prepared = new PreparedRequest("p-2", Endpoint.COMPLETION, "m", new int[] {1},
                SamplingParams.builder().seed(3L).structuredOutput(constraint).build(), "salt", "p:01", null);

        assertThat(roundTrip(prepared, PreparedRequest.class).samplingParams().structuredOutput).isEqualTo(constraint);
    }

    @Test
    void aRequestKeepsItsOutputConstraintAndReadsTheFormerFormatWithout() throws Exception {
        InferenceRequest request = parse(completion("ser-3", "{\"prompt\": \"Hi\", \"response_format\":"
                + " {\"type\": \"json_object\"}}"));
        assertThat(request.samplingParams().structuredOutput).isNotNull();
        assertThat(roundTrip(request, InferenceRequest.class).samplingParams().structuredOutput)
                .isEqualTo(request.samplingParams().structuredOutput);

        InferenceRequest plain = parse(completion("ser-4", "{\"prompt\": \"Hi\"}"));
        assertThat(readAsFormerVersion(new InferenceRequest.Serializer(), plain)).isEqualTo(plain);
    }

    /**
     * {@code value}, written as the serializer's format version before its current one wrote it, read
     * back: that version lacked the last field, which for {@code value} is a single byte (no structured
     * output, no source).
     */
    private static <T> T readAsFormerVersion(VersionedSerializer<T> serializer, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);
        byte[] former = Arrays.copyOf(out.getCopyOfBuffer(), out.length() - 1);
        former[0]--;
        return serializer.deserialize(new DataInputDeserializer(former));
    }

    @Test
    void aResultKeepsItsCompletionOrItsError() throws Exception {
        ResultLine success = ResultLine.success("r-1", Endpoint.CHAT, "m",
                new Completion("Hi \u00e9", FinishReason.LENGTH, 9, 2, 8), 1_700_000_000L);
        ResultLine error = ResultLine.error("r-2", RequestError.MODEL_NOT_FOUND, "no model x");

        for (ResultLine line : List.of(success, error)) {
            ResultLine copy = roundTrip(line, ResultLine.class);
            assertThat(copy).isEqualTo(line);
            assertThat(copy.json()).isEqualTo(line.json());
        }
    }

    @Test
    void aFormatFromTheFutureIsRefusedClearly() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {99, 0, 0});
        assertThatThrownBy(() -> new PreparedRequest.Serializer().deserialize(in))
                .isInstanceOf(IOException.class).hasMessageContaining("not 99");
    }

    /** Through the serializer Flink picks for the class, as between two operators. */
    private static <T> T roundTrip(T value, Class<T> type) throws IOException {
        TypeSerializer<T> serializer = TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
        assertThat(serializer).isInstanceOf(VersionedSerializer.class);
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    private static InferenceRequest parse(String line) {
        return ((ParsedRecord.Valid) PARSER.parse(bytes(line))).request();
    }
}
