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
 * @param int8 quantize the weight matrices to int8 at load ({@code --quantization int8}), where the
 *     int8 product agrees with the unquantized one; takes the place of oneDNN. On a CPU the product
 *     is fbgemm's dynamic one (activations quantized per call too); elsewhere, or with
 *     {@code int8WeightOnly}, ATen's weight-only int8 kernel
 * @param int8WeightOnly multiply int8 weights by unquantized activations on a CPU too
 *     ({@code -Dflinfer.int8=weight-only}): more accurate, slower
 */
public record PathOptions(boolean oneDnn, int largestBatch, boolean int8, boolean int8WeightOnly) {
    /** vLLM's default max_num_seqs, for a model loaded without an engine's limits. */
    public static final int DEFAULT_LARGEST_BATCH = 256;

    public PathOptions(boolean oneDnn, int largestBatch) {
        this(oneDnn, largestBatch, false, weightOnlyAsked());
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
        return new PathOptions(oneDnn, largestBatch, quantize, int8WeightOnly);
    }

    /** These options with int8 weights multiplied by unquantized activations on a CPU too, or not. */
    public PathOptions withInt8WeightOnly(boolean weightOnly) {
        return new PathOptions(oneDnn, largestBatch, int8, weightOnly);
    }

    private static boolean weightOnlyAsked() {
        String kernel = System.getProperty("flinfer.int8", "dynamic");
        if (!kernel.equals("dynamic") && !kernel.equals("weight-only")) {
            throw new IllegalArgumentException("-Dflinfer.int8 is 'dynamic' (fbgemm, the default on a CPU) or 'weight-only', not '"
                    + kernel + "'");
        }
        return kernel.equals("weight-only");
    }
}
