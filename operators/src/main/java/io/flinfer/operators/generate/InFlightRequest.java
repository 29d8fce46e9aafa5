package io.flinfer.operators.generate;

import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.RecordFormat;
import io.flinfer.operators.records.VersionedSerializer;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A request the engine is working on, with the tokens it has generated so far: exactly what a
 * checkpoint keeps, so that after a failure the request resumes where it was.
 */
public final class InFlightRequest {
    private final PreparedRequest request;
    private int[] generated;
    /** The fingerprint of the tokenizer its ids belong to; null in state written before version 2. */
    private final String tokenizer;

    public InFlightRequest(PreparedRequest request, int[] generated, String tokenizer) {
        this.request = request;
        this.generated = generated;
        this.tokenizer = tokenizer;
    }

    public PreparedRequest request() { return request; }
    public int[] generated() { return generated; }
    public String tokenizer() { return tokenizer; }

    void append(int[] tokens) {
        int old = generated.length;
        generated = Arrays.copyOf(generated, old + tokens.length);
        System.arraycopy(tokens, 0, generated, old, tokens.length);
    }

    /**
     * Format version 2: the prepared request (in its own versioned format), the generated tokens, then
     * the tokenizer's fingerprint; version 1 lacks the fingerprint.
     */
    public static final class Serializer extends VersionedSerializer<InFlightRequest> {
        private static final long serialVersionUID = 1L;
        private static final PreparedRequest.Serializer REQUEST = new PreparedRequest.Serializer();

        @Override
        protected int version() {
            return 2;
        }

        @Override
        protected void write(InFlightRequest r, DataOutputView out) throws IOException {
            REQUEST.serialize(r.request, out);
            RecordFormat.writeInts(r.generated, out);
            RecordFormat.writeString(r.tokenizer, out);
        }

        @Override
        protected InFlightRequest read(int version, DataInputView in) throws IOException {
            return new InFlightRequest(REQUEST.deserialize(in), RecordFormat.readInts(in),
                    version >= 2 ? RecordFormat.readString(in) : null);
        }

        /** It grows while the request runs: a snapshot must not share its tokens. */
        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public InFlightRequest copy(InFlightRequest from) {
            return new InFlightRequest(from.request, from.generated.clone(), from.tokenizer);
        }

        @Override
        public TypeSerializerSnapshot<InFlightRequest> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Stateless: every format version is read by the current serializer. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<InFlightRequest> {
            public Snapshot() {
                super(Serializer::new);
            }
        }
    }
}
