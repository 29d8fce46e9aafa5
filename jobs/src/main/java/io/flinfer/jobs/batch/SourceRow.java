package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.records.RecordFormat;
import io.flinfer.operators.records.VersionedSerializer;
import io.flinfer.operators.records.VersionedTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One record of an input file as it was read: a JSONL line as text (a request line is judged from
 * its bytes; a dataset line is parsed once, by {@link ItemMapper}), or a Parquet row as its values,
 * with the file it came from and its 0-based index there (for ids and error messages). The values
 * are never changed after the reader made them.
 */
@TypeInfo(SourceRow.FlinkType.class)
public final class SourceRow {
    private final String file;
    private final long index;
    private final String line;
    private final ObjectNode values;

    private SourceRow(String file, long index, String line, ObjectNode values) {
        this.file = file;
        this.index = index;
        this.line = line;
        this.values = values;
    }

    public static SourceRow line(String file, long index, String line) {
        return new SourceRow(file, index, line, null);
    }

    public static SourceRow values(String file, long index, ObjectNode values) {
        return new SourceRow(file, index, null, values);
    }

    public String file() { return file; }
    public long index() { return index; }
    /** The JSONL line; null for a Parquet row. */
    public String line() { return line; }
    /** The Parquet row's values; null for a JSONL line. */
    public ObjectNode values() { return values; }

    /** A blank JSONL line, which counts as a line but is not a record. */
    boolean isBlank() {
        return line != null && line.isBlank();
    }

    /** Where the row is, for people: "row 12 of data.jsonl" counts from 1. */
    public String location() {
        return location(file, index);
    }

    static String location(String file, long index) {
        return "row " + (index + 1) + " of " + file;
    }

    /** Format version 1: file, index, then the line or the values (a flag says which). */
    public static final class Serializer extends VersionedSerializer<SourceRow> {
        private static final long serialVersionUID = 1L;

        @Override
        protected int version() {
            return 1;
        }

        @Override
        protected void write(SourceRow row, DataOutputView out) throws IOException {
            RecordFormat.writeString(row.file, out);
            out.writeLong(row.index);
            RecordFormat.writeString(row.line, out);
            JsonTreeFormat.writeObject(row.values, out);
        }

        @Override
        protected SourceRow read(int version, DataInputView in) throws IOException {
            return new SourceRow(RecordFormat.readString(in), in.readLong(), RecordFormat.readString(in),
                    JsonTreeFormat.readObject(in));
        }

        @Override
        public TypeSerializerSnapshot<SourceRow> snapshotConfiguration() {
            return new Snapshot();
        }

        /** Stateless: every format version is read by the current serializer. */
        public static final class Snapshot extends SimpleTypeSerializerSnapshot<SourceRow> {
            public Snapshot() {
                super(Serializer::new);
            }
        }
    }

    /** Tells Flink to use {@link Serializer}. */
    public static final class FlinkType extends TypeInfoFactory<SourceRow> {
        @Override
        public TypeInformation<SourceRow> createTypeInfo(Type type, Map<String, TypeInformation<?>> generics) {
            return new VersionedTypeInfo<>(SourceRow.class, Serializer::new);
        }
    }
}
