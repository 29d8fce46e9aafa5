package io.flinfer.engine;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * A dtype asked for ({@code --dtype}, {@code --kv-cache-dtype}). {@link #AUTO} keeps a checkpoint's
 * own dtype where the device computes it well: bfloat16 on a GPU and on a CPU with BF16 instructions
 * ({@code avx512_bf16} or AMX), float16 on a GPU, float32 elsewhere (a float32 checkpoint on a GPU
 * computes in float16, as vLLM does).
 */
public enum Dtype {
    AUTO, FLOAT32, BFLOAT16, FLOAT16;

    /** The dtype a name means: auto, float32 (fp32, float), bfloat16 (bf16), float16 (fp16, half). */
    public static Dtype parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "float32", "fp32", "float" -> FLOAT32;
            case "bfloat16", "bf16" -> BFLOAT16;
            case "float16", "fp16", "half" -> FLOAT16;
            default -> throw new IllegalArgumentException(
                    "unknown dtype '" + name + "'; use auto, float32, bfloat16 or float16");
        };
    }

    /**
     * The tensor type this choice computes in on {@code device}, for a checkpoint stored as
     * {@code stored}, where {@code cpuBf16} says whether this CPU has BF16 instructions.
     */
    public DataType resolve(ComputeDevice device, DataType stored, boolean cpuBf16) {
        return switch (this) {
            case FLOAT32 -> DataType.FLOAT32;
            case BFLOAT16 -> DataType.BFLOAT16;
            case FLOAT16 -> DataType.FLOAT16;
            case AUTO -> {
                if (device.isGpu()) {
                    yield stored == DataType.BFLOAT16 ? DataType.BFLOAT16 : DataType.FLOAT16;
                }
                yield stored == DataType.BFLOAT16 && cpuBf16 ? DataType.BFLOAT16 : DataType.FLOAT32;
            }
        };
    }

    /**
     * The tensor type a named dtype computes in on any device.
     *
     * @throws IllegalStateException for {@link #AUTO}, which {@link #resolve} picks per device and checkpoint
     */
    public DataType named() {
        if (this == AUTO) {
            throw new IllegalStateException("auto names no dtype until resolved on a device");
        }
        return resolve(null, null, false);
    }

    /** The name {@link #parse} reads. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
