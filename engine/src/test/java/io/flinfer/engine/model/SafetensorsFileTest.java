package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single-file checkpoints pass 2 GiB (Llama 3.2 1B's model.safetensors is 2.5 GB in BF16): a tensor
 * that lies past the first 2 GiB of the data reads like any other.
 */
class SafetensorsFileTest {
    private static final long PADDING_FLOATS = 400_000_000L;

    @Test
    void readsATensorStoredPastTwoGibibytes(@TempDir Path dir) throws IOException {
        long pad = PADDING_FLOATS * 4;
        String header = "{\"pad0\":{\"dtype\":\"F32\",\"shape\":[" + PADDING_FLOATS + "],\"data_offsets\":[0," + pad + "]},"
                + "\"pad1\":{\"dtype\":\"F32\",\"shape\":[" + PADDING_FLOATS + "],\"data_offsets\":[" + pad + "," + 2 * pad
                + "]},\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + 2 * pad + "," + (2 * pad + 16) + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("model.safetensors");
        // A sparse file: the 3.2 GB of padding take no disk space.
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer start = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length);
            out.write(start.array());
            out.write(headerBytes);
            ByteBuffer w = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            w.putFloat(1.5f).putFloat(-2f).putFloat(3.25f).putFloat(4f);
            out.seek(8 + headerBytes.length + 2 * pad);
            out.write(w.array());
        }

        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                NDArray w = new SafetensorsFile(file).read("w", manager)) {
            assertThat(w.getShape().getShape()).containsExactly(2, 2);
            assertThat(w.toFloatArray()).containsExactly(1.5f, -2f, 3.25f, 4f);
        }
    }
}
