package io.flinfer.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes tensors as one {@code .safetensors} file, in the given order: float values as F32 or BF16,
 * streamed a chunk at a time so a checkpoint larger than the heap can be written, or bytes already in
 * their stored dtype ({@link #writeStored}).
 */
public final class SafetensorsWriter {
    /** Values streamed per chunk: bounds the writer's memory whatever the tensor's size. */
    private static final int CHUNK = 1 << 20;

    /** One tensor's values in row-major order and its shape. */
    public record Tensor(float[] values, long... shape) {}

    /** A tensor's name and shape, declared before any values are written (the header comes first). */
    public record TensorSpec(String name, long... shape) {
        public long size() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    /** Produces a tensor's values in row-major order, {@code length} at a time, into {@code chunk}. */
    @FunctionalInterface
    public interface ValueSource {
        void fill(float[] chunk, int length);
    }

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Tensor> tensors, boolean bf16) throws IOException {
        List<TensorSpec> specs = tensors.entrySet().stream()
                .map(e -> new TensorSpec(e.getKey(), e.getValue().shape()))
                .toList();
        for (TensorSpec spec : specs) {
            if (tensors.get(spec.name()).values().length != spec.size()) {
                throw new IllegalArgumentException("tensor " + spec.name() + " has "
                        + tensors.get(spec.name()).values().length + " values but shape "
                        + Arrays.toString(spec.shape()));
            }
        }
        write(file, specs, bf16, spec -> arrayReader(tensors.get(spec.name()).values()));
    }

    /**
     * Writes {@code specs} in order; {@code values} is asked for each tensor's source just before its
     * data is written, so at most one chunk of values is in memory at a time.
     */
    public static void write(Path file, List<TensorSpec> specs, boolean bf16, Function<TensorSpec, ValueSource> values)
            throws IOException {
        int bytesPerValue = bf16 ? 2 : 4;
        byte[] headerBytes = header(specs.stream()
                .map(spec -> new StoredSpec(spec.name(), bf16 ? "BF16" : "F32", spec.shape()))
                .toList());
        float[] chunk = new float[CHUNK];
        ByteBuffer encoded = ByteBuffer.allocate(CHUNK * bytesPerValue).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = Files.newOutputStream(file);
                WritableByteChannel channel = Channels.newChannel(out)) {
            writeHeader(channel, headerBytes);
            for (TensorSpec spec : specs) {
                ValueSource source = values.apply(spec);
                for (long done = 0; done < spec.size(); ) {
                    int n = (int) Math.min(CHUNK, spec.size() - done);
                    source.fill(chunk, n);
                    channel.write(encode(chunk, n, bf16, encoded.clear()));
                    done += n;
                }
            }
        }
    }

    /**
     * Writes tensors whose bytes are already in their stored form (little-endian values of
     * {@code spec.dtype()}: "F32", "F16", "BF16", ...), in order; {@code bytes} is asked for each
     * tensor's bytes just before they are written, so one tensor at a time is held.
     */
    public static void writeStored(Path file, List<StoredSpec> specs, Function<StoredSpec, ByteBuffer> bytes)
            throws IOException {
        byte[] headerBytes = header(specs);
        try (OutputStream out = Files.newOutputStream(file);
                WritableByteChannel channel = Channels.newChannel(out)) {
            writeHeader(channel, headerBytes);
            for (StoredSpec spec : specs) {
                ByteBuffer data = bytes.apply(spec);
                long expected = spec.size() * bytesPerValue(spec.dtype());
                if (data.remaining() != expected) {
                    throw new IllegalArgumentException("tensor " + spec.name() + " has " + data.remaining()
                            + " bytes, its shape and dtype take " + expected);
                }
                while (data.hasRemaining()) {
                    channel.write(data);
                }
            }
        }
    }

    /** A tensor's name, stored dtype and shape. */
    public record StoredSpec(String name, String dtype, long... shape) {
        public long size() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    private static int bytesPerValue(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new IllegalArgumentException("no safetensors writer for dtype " + dtype);
        };
    }

    /** The JSON header, padded: each tensor's dtype, shape and byte range, in order. */
    private static byte[] header(List<StoredSpec> specs)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (StoredSpec spec : specs) {
            long bytes = spec.size() * bytesPerValue(spec.dtype());
            ObjectNode entry = header.putObject(spec.name());
            entry.put("dtype", spec.dtype());
            Arrays.stream(spec.shape()).forEach(entry.putArray("shape")::add);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        return padded(json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8));
    }

    private static void writeHeader(WritableByteChannel channel, byte[] header) throws IOException {
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        length.putLong(header.length).flip();
        channel.write(length);
        channel.write(ByteBuffer.wrap(header));
    }

    private static ValueSource arrayReader(float[] values) {
        int[] position = {0};
        return (chunk, length) -> {
            System.arraycopy(values, position[0], chunk, 0, length);
            position[0] += length;
        };
    }

    private static ByteBuffer encode(float[] values, int length, boolean bf16, ByteBuffer buf) {
        for (int i = 0; i < length; i++) {
            if (bf16) {
                buf.putShort(Bfloat16.fromFloat(values[i]));
            } else {
                buf.putFloat(values[i]);
            }
        }
        return buf.flip();
    }

    /** The format pads the header with spaces so the data starts 8-byte aligned. */
    private static byte[] padded(byte[] header) {
        int length = (header.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(header, length);
        Arrays.fill(out, header.length, length, (byte) ' ');
        return out;
    }
}
