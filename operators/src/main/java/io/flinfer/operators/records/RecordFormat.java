package io.flinfer.operators.records;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.sampling.StructuredOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The pieces the {@link VersionedSerializer}s of the records write: strings of any length (or
 * null), token ids, and sampling parameters field by field, so that no engine class needs to be
 * serializable and each field's place in the format is written down here.
 */
public final class RecordFormat {
    private RecordFormat() {}

    /** A string of any length, or null. */
    public static void writeString(String s, DataOutputView out) throws IOException {
        StringValue.writeString(s, out);
    }

    public static String readString(DataInputView in) throws IOException {
        return StringValue.readString(in);
    }

    public static void writeInts(int[] values, DataOutputView out) throws IOException {
        out.writeInt(values.length);
        for (int v : values) {
            out.writeInt(v);
        }
    }

    public static int[] readInts(DataInputView in) throws IOException {
        int[] values = new int[in.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readInt();
        }
        return values;
    }

    /** Every field of {@link SamplingParams}, in this order (format version 1 of the records). */
    static void writeSamplingParams(SamplingParams p, DataOutputView out) throws IOException {
        out.writeDouble(p.temperature);
        out.writeDouble(p.topP);
        out.writeInt(p.topK);
        out.writeDouble(p.minP);
        writeNullableLong(p.seed, out);
        out.writeInt(p.maxTokens);
        out.writeInt(p.minTokens);
        out.writeInt(p.stop.size());
        for (String s : p.stop) {
            writeString(s, out);
        }
        writeInts(p.stopTokenIds.stream().mapToInt(Integer::intValue).toArray(), out);
        out.writeBoolean(p.ignoreEos);
        out.writeDouble(p.presencePenalty);
        out.writeDouble(p.frequencyPenalty);
        out.writeDouble(p.repetitionPenalty);
        out.writeInt(p.logprobs == null ? -1 : p.logprobs);
    }

    static SamplingParams readSamplingParams(DataInputView in) throws IOException {
        SamplingParams.Builder b = SamplingParams.builder()
                .temperature(in.readDouble())
                .topP(in.readDouble())
                .topK(in.readInt())
                .minP(in.readDouble())
                .seed(readNullableLong(in))
                .maxTokens(in.readInt())
                .minTokens(in.readInt());
        List<String> stop = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            stop.add(readString(in));
        }
        List<Integer> stopTokenIds = new ArrayList<>();
        for (int id : readInts(in)) {
            stopTokenIds.add(id);
        }
        b.stop(stop).stopTokenIds(stopTokenIds)
                .ignoreEos(in.readBoolean())
                .presencePenalty(in.readDouble())
                .frequencyPenalty(in.readDouble())
                .repetitionPenalty(in.readDouble());
        int logprobs = in.readInt();
        return b.logprobs(logprobs < 0 ? null : logprobs).build();
    }

    /** The output constraint, or its absence (format version 2 of prepared requests). */
    static void writeStructuredOutput(StructuredOutput c, DataOutputView out) throws IOException {
        out.writeBoolean(c != null);
        if (c != null) {
            writeString(c.kind().name(), out);
            writeString(c.spec(), out);
            out.writeBoolean(c.anyWhitespace());
        }
    }

    static StructuredOutput readStructuredOutput(DataInputView in) throws IOException {
        return in.readBoolean()
                ? new StructuredOutput(StructuredOutput.Kind.valueOf(readString(in)), readString(in), in.readBoolean())
                : null;
    }

    private static void writeNullableLong(Long v, DataOutputView out) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeLong(v);
        }
    }

    private static Long readNullableLong(DataInputView in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }
}
