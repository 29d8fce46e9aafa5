package io.flinfer.engine.model;

import java.util.List;

/**
 * Which kernels a loaded model computes with, and the load-time checks that chose them: each fast
 * path serves only where it agreed with ATen's plain ops on this machine ({@link FastPathCheck}).
 *
 * @param device {@code cpu} or {@code gpu(0)}, ...
 * @param dtype the compute dtype, {@code float32}, ...
 * @param linear the weight products' path: {@code onednn}, {@code aten}, or {@code onednn} with the
 *     shapes that fell back named ({@code onednn, aten for 344x64})
 * @param attention {@code sdpa-fused} (ATen's fused kernel) or {@code sdpa-math} (its math kernel)
 * @param checks every comparison made, passed or not
 * @param checkSeconds how long the checks took
 */
public record ComputePaths(String device, String dtype, String linear, String attention, List<PathCheck> checks,
        double checkSeconds) {

    public static final String ONEDNN = "onednn";
    public static final String ATEN_LINEAR = "aten";
    public static final String SDPA_FUSED = "sdpa-fused";
    public static final String SDPA_MATH = "sdpa-math";

    public boolean allPassed() {
        return checks.stream().allMatch(PathCheck::passed);
    }

    /** One line for the startup log. */
    public String summary() {
        long failed = checks.stream().filter(c -> !c.passed()).count();
        return String.format("compute paths on %s %s: linear %s, attention %s; self-check %s in %.0f ms (%d checks)",
                device, dtype, linear, attention, failed == 0 ? "passed" : failed + " fell back", checkSeconds * 1e3,
                checks.size());
    }
}
