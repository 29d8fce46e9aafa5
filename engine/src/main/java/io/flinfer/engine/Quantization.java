package io.flinfer.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How weights are stored for the products ({@code --quantization}, vLLM's flag). {@link #INT8}:
 * int8 weights, one scale per output channel, quantized at load from any checkpoint dtype and never
 * multiplied through a float copy. On a CPU fbgemm's dynamic product multiplies them
 * ({@code quantized::linear_dynamic}: each product's input rounded to 8 bits per call, int8 dot
 * products summed in int32); elsewhere, or with {@code -Dflinfer.int8=weight-only}, ATen's
 * weight-only kernel ({@code _weight_int8pack_mm}, which dequantizes inside the product).
 */
public enum Quantization {
    NONE, INT8;

    /** The method a name means: none or int8. */
    public static Quantization parse(String name) {
        for (Quantization q : values()) {
            if (q.toString().equals(name.toLowerCase(Locale.ROOT))) {
                return q;
            }
        }
        throw new IllegalArgumentException("unknown quantization '" + name + "'; known: "
                + Arrays.stream(values()).map(Quantization::toString).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
