package io.flinfer.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Which fast paths a model may take, before {@link FastPathCheck} checks them on this machine.
 *
 * @param oneDnn multiply through oneDNN on weights reordered once (float32 and bfloat16 on a CPU),
 *     where it agrees with ATen's linear
 * @param largestBatch the most rows a decode step multiplies (the engine's max_num_seqs), which the
 *     check runs up to 65 of
 * @param int8 quantize the weight matrices to int8 at load ({@code --quantization int8}) and multiply
 *     through ATen's int8-weight kernel, where it agrees with the unquantized product; takes the place
 *     of oneDNN
 */
public record PathOptions(boolean oneDnn, int largestBatch, boolean int8) {
    /** vLLM's default max_num_seqs, for a model loaded without an engine's limits. */
    public static final int DEFAULT_LARGEST_BATCH = 256;

    public PathOptions(boolean oneDnn, int largestBatch) {
        this(oneDnn, largestBatch, false);
    }

    /**
     * oneDNN for float32 (where it beat MKL's sgemm at every batch size measured) and bfloat16 (where
     * ATen's own bfloat16 product of one row was ten times slower) on a CPU, unless
     * {@code -Dflinfer.onednn=false} asks for ATen's linear.
     */
    public static PathOptions defaults(Device device, DataType dtype, int largestBatch) {
        boolean oneDnn = Device.Type.CPU.equals(device.getDeviceType())
                && (dtype == DataType.FLOAT32 || dtype == DataType.BFLOAT16)
                && Boolean.parseBoolean(System.getProperty("flinfer.onednn", "true"));
        return new PathOptions(oneDnn, largestBatch);
    }

    /** These options with the weights quantized to int8, or not. */
    public PathOptions withInt8(boolean quantize) {
        return new PathOptions(oneDnn, largestBatch, quantize);
    }
}
