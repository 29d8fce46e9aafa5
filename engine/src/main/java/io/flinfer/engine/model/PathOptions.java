package io.flinfer.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/**
 * Which fast paths a model may take, before {@link FastPathCheck} checks them on this machine.
 *
 * @param oneDnn multiply through oneDNN on weights reordered once (float32 on a CPU only), where it
 *     agrees with ATen's linear
 * @param largestBatch the most rows a decode step multiplies (the engine's max_num_seqs), which the
 *     check runs up to 65 of
 */
public record PathOptions(boolean oneDnn, int largestBatch) {
    /** vLLM's default max_num_seqs, for a model loaded without an engine's limits. */
    public static final int DEFAULT_LARGEST_BATCH = 256;

    /**
     * oneDNN for float32 on a CPU, where it beat MKL's sgemm at every batch size measured, unless
     * {@code -Dflinfer.onednn=false} asks for ATen's linear.
     */
    public static PathOptions defaults(Device device, DataType dtype, int largestBatch) {
        boolean oneDnn = Device.Type.CPU.equals(device.getDeviceType()) && dtype == DataType.FLOAT32
                && Boolean.parseBoolean(System.getProperty("flinfer.onednn", "true"));
        return new PathOptions(oneDnn, largestBatch);
    }
}
