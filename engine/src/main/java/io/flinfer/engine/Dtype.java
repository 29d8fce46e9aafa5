package io.flinfer.engine;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The compute dtype asked for ({@code --dtype}): {@link #AUTO} picks float32 on a CPU and float16 on a GPU.
 * bfloat16 is refused: DJL's PyTorch JNI aborts on bfloat16 tensors (bfloat16 checkpoints load and are
 * converted).
 */
public enum Dtype {
    AUTO, FLOAT32, FLOAT16;

    /** The dtype a {@code --dtype} name means: auto, float32 (fp32) or float16 (fp16, half). */
    public static Dtype parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "float32", "fp32" -> FLOAT32;
            case "float16", "fp16", "half" -> FLOAT16;
            case "bfloat16", "bf16" -> throw new IllegalArgumentException(
                    "dtype bfloat16 is not supported by DJL's PyTorch engine; use float16 or float32"
                            + " (bfloat16 checkpoints load fine and are converted)");
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "'; use auto, float32 or float16");
        };
    }

    /** The tensor type this choice computes in on {@code device}. */
    public DataType on(ComputeDevice device) {
        return switch (this) {
            case AUTO -> device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT16 -> DataType.FLOAT16;
        };
    }

    /** The name {@link #parse} reads. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
