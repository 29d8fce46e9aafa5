package io.flinfer.engine.model;

/**
 * One comparison of a fast path with its reference path on this machine.
 *
 * @param path the fast path checked ({@code onednn}, {@code sdpa-fused}, ...)
 * @param subject what it computed: {@code linear 344x64} (an output x input weight shape) or
 *     {@code forward step}
 * @param rows the batch sizes it ran, as text ({@code 1, 3, 65})
 * @param error the largest absolute difference from the reference, relative to the reference's
 *     largest magnitude
 * @param tolerance the largest relative error accepted for the dtype
 * @param millis how long the comparison took, fast and reference path together
 */
public record PathCheck(String path, String subject, String rows, double error, double tolerance, long millis) {

    public boolean passed() {
        return error <= tolerance;
    }

    /** What was compared and how far apart: {@code onednn linear 344x64 at rows 1, 3, 65: relative error 5.4e-01 (tolerance 1e-03, 2 ms)}. */
    public String describe() {
        return String.format("%s %s at rows %s: relative error %.1e (tolerance %.0e, %d ms)", path, subject, rows, error,
                tolerance, millis);
    }

    @Override
    public String toString() {
        return describe() + (passed() ? " ok" : " FAILED");
    }
}
