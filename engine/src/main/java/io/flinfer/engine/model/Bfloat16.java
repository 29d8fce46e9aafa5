package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * bfloat16 across DJL: its PyTorch JNI aborts the process on a bfloat16 tensor (and on int16), so a
 * bfloat16 tensor travels through Java as its raw bytes, a uint8 tensor whose last dimension is twice
 * as long (the carrier). The model program reinterprets every uint8 tensor it receives as bfloat16,
 * without a copy ({@code from_bits} in llama.py).
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

    /** The type a tensor of {@code dtype} has in Java: uint8 bytes for bfloat16, itself otherwise. */
    public static DataType javaType(DataType dtype) {
        return dtype == DataType.BFLOAT16 ? DataType.UINT8 : dtype;
    }

    /** The shape a tensor of {@code shape} has in Java as {@link #javaType} of {@code dtype}. */
    public static Shape javaShape(Shape shape, DataType dtype) {
        if (dtype != DataType.BFLOAT16) {
            return shape;
        }
        long[] dims = shape.getShape();
        dims[dims.length - 1] *= 2;
        return new Shape(dims);
    }

    /** The logical shape of a tensor as Java holds it: a carrier's last dimension halved. */
    public static Shape logicalShape(NDArray tensor) {
        if (tensor.getDataType() != DataType.UINT8) {
            return tensor.getShape();
        }
        long[] dims = tensor.getShape().getShape();
        dims[dims.length - 1] /= 2;
        return new Shape(dims);
    }

    /** The carrier of bfloat16 values whose little-endian bytes {@code bf16} holds. */
    static NDArray carrier(ByteBuffer bf16, Shape shape, NDManager manager) {
        ByteBuffer direct = ByteBuffer.allocateDirect(bf16.remaining()).order(ByteOrder.nativeOrder());
        direct.put(bf16.duplicate()).flip();
        return manager.create(direct, javaShape(shape, DataType.BFLOAT16), DataType.UINT8);
    }

    /** The carrier of {@code floats} rounded to bfloat16. */
    static NDArray carrier(float[] floats, Shape shape, NDManager manager) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(floats.length * 2).order(ByteOrder.nativeOrder());
        for (float f : floats) {
            bytes.putShort(fromFloat(f));
        }
        return manager.create(bytes.flip(), javaShape(shape, DataType.BFLOAT16), DataType.UINT8);
    }
}
