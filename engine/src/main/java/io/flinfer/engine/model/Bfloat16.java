package io.flinfer.engine.model;

/**
 * bfloat16 conversions done in Java: DJL 0.36's PyTorch JNI aborts the process on bfloat16
 * tensors, so BF16 checkpoints are widened to float32 before they reach it.
 */
public final class Bfloat16 {
    private Bfloat16() {}

    /** Round to nearest even, as PyTorch converts. */
    public static short fromFloat(float x) {
        int bits = Float.floatToIntBits(x);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return (short) (bits >>> 16);
    }

    public static float toFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
