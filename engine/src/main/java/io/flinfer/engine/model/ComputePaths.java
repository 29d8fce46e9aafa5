package io.flinfer.engine.model;

import java.util.List;

/**
 * Which kernels a loaded model computes with, and the load-time checks that chose them: each fast
 * path serves only where it agreed with ATen's plain ops on this machine ({@link FastPathCheck}).
 *
 * @param device {@code cpu} or {@code gpu(0)}, ...
 * @param dtype the compute dtype, {@code float32}, ...
 * @param linear the weight products' path: {@code onednn}, {@code int8-dynamic}, {@code int8}, {@code aten}, or
 *     {@code onednn+aten} ({@code int8-dynamic+aten}, ...) when some weight shapes fell back to ATen's linear
 *     ({@link #fellBack()} names them)
 * @param attention {@code sdpa-fused} (ATen's fused kernel) or {@code sdpa-math} (its math kernel)
 * @param norm {@code layer-norm-fused} (RMSNorm through ATen's fused layer_norm) or {@code rms-norm} (ATen's
 *     composite rms_norm)
 * @param checks every comparison made, passed or not
 * @param checkSeconds how long the checks took
 */
public record ComputePaths(String device, String dtype, String linear, String attention, String norm,
        List<PathCheck> checks, double checkSeconds) {

    public static final String ONEDNN = "onednn";
    /** Weight-only int8 through ATen's int8-weight kernel ({@code --quantization int8} off a CPU, or weight-only asked). */
    public static final String INT8 = "int8";
    /**
     * int8 weights through fbgemm's dynamic product, activations quantized per call
     * ({@code --quantization int8} on a CPU).
     */
    public static final String INT8_DYNAMIC = "int8-dynamic";
    /** How a weight product's check names its subject: {@code linear 344x64}. */
    static final String LINEAR_SUBJECT = "linear ";
    /** What follows the shape in the subject of a mixture's expert matrices: {@code linear 96x64 experts}. */
    static final String EXPERTS_SUFFIX = " experts";
    public static final String ATEN_LINEAR = "aten";
    public static final String SDPA_FUSED = "sdpa-fused";
    public static final String SDPA_MATH = "sdpa-math";
    public static final String MIXED = ONEDNN + "+" + ATEN_LINEAR;
    public static final String FUSED_NORM = "layer-norm-fused";
    public static final String RMS_NORM = "rms-norm";

    public boolean allPassed() {
        return checks.stream().allMatch(PathCheck::passed);
    }

    /**
     * The weight shapes ({@code 344x64}, output x input; {@code 96x64 experts} for a mixture's experts)
     * whose oneDNN product failed its check.
     */
    public List<String> fellBack() {
        return checks.stream().filter(c -> !c.passed() && c.subject().startsWith(LINEAR_SUBJECT))
                .map(c -> c.subject().substring(LINEAR_SUBJECT.length())).toList();
    }

    /** The linear path with the shapes that fell back named: {@code onednn+aten (aten for 344x64)}. */
    public String linearDescription() {
        return fellBack().isEmpty() ? linear : linear + " (" + ATEN_LINEAR + " for " + String.join(", ", fellBack()) + ")";
    }

    /** One line for the startup log. */
    public String summary() {
        long failed = checks.stream().filter(c -> !c.passed()).count();
        return String.format("compute paths on %s %s: linear %s, attention %s, norm %s; self-check %s in %.0f ms (%d checks)",
                device, dtype, linearDescription(), attention, norm, failed == 0 ? "passed" : failed + " failed, fell back",
                checkSeconds * 1e3, checks.size());
    }
}
