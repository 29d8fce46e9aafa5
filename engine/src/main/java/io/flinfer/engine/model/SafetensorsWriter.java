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
import java.util.Map;

/** Writes float tensors as one {@code .safetensors} file, in the map's order, as F32 or BF16. */
public final class SafetensorsWriter {
    /** One tensor's values in row-major order and its shape. */
    public record Tensor(float[] values, long... shape) {}

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Tensor> tensors, boolean bf16) throws IOException {
        int bytesPerValue = bf16 ? 2 : 4;
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = (long) e.getValue().values().length * bytesPerValue;
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", bf16 ? "BF16" : "F32");
            Arrays.stream(e.getValue().shape()).forEach(entry.putArray("shape")::add);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = padded(json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8));
        try (OutputStream out = Files.newOutputStream(file);
                WritableByteChannel channel = Channels.newChannel(out)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            length.putLong(headerBytes.length).flip();
            channel.write(length);
            channel.write(ByteBuffer.wrap(headerBytes));
            for (Tensor t : tensors.values()) {
                channel.write(encode(t.values(), bf16));
            }
        }
    }

    private static ByteBuffer encode(float[] values, boolean bf16) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * (bf16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (bf16) {
                buf.putShort(Bfloat16.fromFloat(v));
            } else {
                buf.putFloat(v);
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
