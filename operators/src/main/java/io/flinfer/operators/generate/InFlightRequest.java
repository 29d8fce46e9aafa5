package io.flinfer.operators.generate;

import io.flinfer.operators.records.PreparedRequest;
import java.io.Serializable;
import java.util.Arrays;

/**
 * A request the engine is working on, with the tokens it has generated so far: exactly what a
 * checkpoint keeps, so that after a failure the request resumes where it was.
 */
public final class InFlightRequest implements Serializable {
    private static final long serialVersionUID = 1L;

    private final PreparedRequest request;
    private int[] generated;

    public InFlightRequest(PreparedRequest request, int[] generated) {
        this.request = request;
        this.generated = generated;
    }

    public PreparedRequest request() { return request; }
    public int[] generated() { return generated; }

    void append(int[] tokens) {
        int old = generated.length;
        generated = Arrays.copyOf(generated, old + tokens.length);
        System.arraycopy(tokens, 0, generated, old, tokens.length);
    }
}
