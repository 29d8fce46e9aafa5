package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw data. Each tensor is memory-mapped on its own
 * when read (one mapping cannot pass 2 GiB, and single-file checkpoints such as Llama 3.2 1B's do)
 * and copied straight into a native tensor, never through Java heap arrays.
 */
final class SafetensorsFile {
    private static final long MAX_HEADER = 100L << 20;

    record Entry(DataType dtype, Shape shape, long begin, long end) {}

    private final Path path;
    private final long dataStart;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    SafetensorsFile(Path path) {
        this.path = path;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw corrupt("file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > size) {
                throw corrupt("header length " + headerLength + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            channel.read(header, 8);
            dataStart = 8 + headerLength;
            parseHeader(new String(header.array(), StandardCharsets.UTF_8), size - dataStart);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    Set<String> names() {
        return entries.keySet();
    }

    /** The tensor as a new array owned by {@code manager}, in its stored dtype. */
    NDArray read(String name, NDManager manager) {
        Entry e = entry(name);
        ByteBuffer slice = map(e).order(ByteOrder.LITTLE_ENDIAN);
        if (e.dtype == DataType.BFLOAT16) {
            return manager.create(widenBfloat16(slice), e.shape, DataType.FLOAT32);
        }
        // The copy makes the tensor own its memory instead of pointing into the mapping.
        try (NDArray view = manager.create(slice, e.shape, e.dtype)) {
            return view.duplicate();
        }
    }

    /**
     * The tensor rounded to bfloat16, as its {@link Bfloat16} carrier: a BF16 tensor's bytes as they
     * are, others through float32.
     */
    NDArray readBfloat16(String name, NDManager manager) {
        Entry e = entry(name);
        ByteBuffer slice = map(e).order(ByteOrder.LITTLE_ENDIAN);
        if (e.dtype == DataType.BFLOAT16) {
            return Bfloat16.carrier(slice, e.shape, manager);
        }
        try (NDArray stored = read(name, manager); NDArray floats = stored.toType(DataType.FLOAT32, false)) {
            return Bfloat16.carrier(floats.toFloatArray(), e.shape, manager);
        }
    }

    /** The dtype {@code name} is stored in. */
    DataType storedType(String name) {
        return entry(name).dtype;
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + " has no tensor named " + name);
        }
        return e;
    }

    private MappedByteBuffer map(Entry e) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, e.end - e.begin);
        } catch (IOException x) {
            throw new IllegalArgumentException("cannot read " + path + ": " + x.getMessage(), x);
        }
    }

    /** BF16 to F32 into native memory (see {@link Bfloat16}): one tensor at a time, off the heap. */
    private static ByteBuffer widenBfloat16(ByteBuffer bf16) {
        ByteBuffer f32 = ByteBuffer.allocateDirect(bf16.remaining() * 2).order(ByteOrder.nativeOrder());
        while (bf16.hasRemaining()) {
            f32.putFloat(Bfloat16.toFloat(bf16.getShort()));
        }
        return f32.flip();
    }

    private void parseHeader(String json, long dataSize) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw corrupt("header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = field.getValue();
            DataType dtype = dtype(t.path("dtype").asText(), field.getKey());
            long[] dims = new long[t.path("shape").size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = t.path("shape").get(i).asLong();
            }
            Shape shape = new Shape(dims);
            long begin = t.path("data_offsets").path(0).asLong(-1);
            long end = t.path("data_offsets").path(1).asLong(-1);
            if (begin < 0 || end > dataSize || end - begin != shape.size() * dtype.getNumOfBytes()) {
                throw corrupt("tensor " + field.getKey() + " has data offsets [" + begin + ", " + end
                        + ") that do not match its shape " + shape + " or lie past the end of the file");
            }
            if (end - begin > Integer.MAX_VALUE) {
                throw corrupt("tensor " + field.getKey() + " is larger than 2 GiB, which is not supported");
            }
            entries.put(field.getKey(), new Entry(dtype, shape, begin, end));
        }
    }

    private DataType dtype(String name, String tensor) {
        return switch (name) {
            case "F32" -> DataType.FLOAT32;
            case "F16" -> DataType.FLOAT16;
            case "BF16" -> DataType.BFLOAT16;
            default -> throw corrupt("tensor " + tensor + " has dtype " + name + "; supported: F32, F16, BF16");
        };
    }

    private IllegalArgumentException corrupt(String what) {
        return new IllegalArgumentException("corrupt safetensors file " + path + ": " + what);
    }
}
