package io.flinfer.operators.records;

import static io.flinfer.operators.records.RequestParserTest.bytes;
import static io.flinfer.operators.records.RequestParserTest.chat;
import static org.assertj.core.api.Assertions.assertThat;


import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** A request crosses Flink operators and sits in checkpoints: both ways of copying it must keep it whole. */
class InferenceRequestSerializationTest {
    private final InferenceRequest request = ((ParsedRecord.Valid) new RequestParser(ServedModel.named("m")).parse(bytes(chat("ser-1",
            "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi \u00e9\"}],"
                    + " \"temperature\": 0.3, \"seed\": 9, \"stop\": [\"END\"], \"cache_salt\": \"s\"}"))))
            .request();

    @Test
    void javaSerializationKeepsEverything() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(request);
        }
        InferenceRequest copy;
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            copy = (InferenceRequest) ois.readObject();
        }
        assertSameRequest(copy);
    }

    @Test
    void flinkSerializerKeepsEverything() throws Exception {
        TypeSerializer<InferenceRequest> serializer =
                TypeInformation.of(InferenceRequest.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(request, out);
        InferenceRequest copy = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertSameRequest(copy);
        assertSameRequest(serializer.copy(request));
    }

    private void assertSameRequest(InferenceRequest copy) {
        assertThat(copy).isEqualTo(request);
        assertThat(copy.messages()).isEqualTo(request.messages());
        assertThat(copy.samplingParams().toString()).isEqualTo(request.samplingParams().toString());
        assertThat(copy.samplingParams().temperature).isEqualTo(0.3);
        assertThat(copy.cacheSalt()).contains("s");
    }
}
