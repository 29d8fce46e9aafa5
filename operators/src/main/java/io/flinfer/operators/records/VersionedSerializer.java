package io.flinfer.operators.records;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An explicit Flink serializer for a type that crosses the network or sits in checkpoints. Every
 * value starts with the version of its format, so a reader understands every version written so
 * far: adding a field is a new version whose reader fills the field's default for older ones, and
 * state written by an older release restores without a migration.
 *
 * <p>The types are immutable unless {@link #copy(Object)} says otherwise.
 */
public abstract class VersionedSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    /** The format version this serializer writes; readers accept it and every older one. */
    protected abstract int version();

    protected abstract void write(T value, DataOutputView out) throws IOException;

    protected abstract T read(int version, DataInputView in) throws IOException;

    @Override
    public final void serialize(T value, DataOutputView out) throws IOException {
        out.writeByte(version());
        write(value, out);
    }

    @Override
    public final T deserialize(DataInputView in) throws IOException {
        int version = in.readUnsignedByte();
        if (version < 1 || version > version()) {
            throw new IOException(getClass().getSimpleName() + " reads format versions 1 to " + version()
                    + ", not " + version + ": state written by a newer Flinfer");
        }
        return read(version, in);
    }

    @Override
    public final T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public final void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public T copy(T from) {
        return from;
    }

    @Override
    public final T copy(T from, T reuse) {
        return copy(from);
    }

    /** Stateless: one instance may be shared. */
    @Override
    public TypeSerializer<T> duplicate() {
        return this;
    }

    @Override
    public T createInstance() {
        return null;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }
}
