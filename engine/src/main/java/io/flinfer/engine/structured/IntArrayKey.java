package io.flinfer.engine.structured;

import java.util.Arrays;

/** An int array compared and hashed by its contents, to key maps in the automaton constructions. */
record IntArrayKey(int[] values) {
    @Override
    public boolean equals(Object o) {
        return o instanceof IntArrayKey other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }
}
