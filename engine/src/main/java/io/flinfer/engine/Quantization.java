package io.flinfer.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How weights are stored for the products ({@code --quantization}, vLLM's flag). {@link #INT8}:
 * weight-only int8, one scale per output channel, quantized at load from any checkpoint dtype and
 * multiplied by ATen's int8-weight kernel ({@code _weight_int8pack_mm}, which dequantizes inside the
 * product), never through a float copy of the weights.
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
