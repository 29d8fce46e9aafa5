package io.flinfer.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;

/** Builds logit tensors for the sampler tests. */
final class Logits {
    private Logits() {
    }

    /** A {@code [rows.length, V]} tensor with the given rows. */
    static NDArray of(NDManager manager, float[]... rows) {
        int vocab = rows[0].length;
        float[] flat = new float[rows.length * vocab];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * vocab, vocab);
        }
        return manager.create(flat, new Shape(rows.length, vocab));
    }

    /** The same row repeated {@code times} times. */
    static NDArray repeated(NDManager manager, float[] row, int times) {
        float[][] rows = new float[times][];
        Arrays.fill(rows, row);
        return of(manager, rows);
    }

    /** Reproducible logits of roughly the spread a language model produces. */
    static float[] random(long seed, int vocab) {
        Random random = new Random(seed);
        float[] row = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            row[i] = (float) (random.nextGaussian() * 3);
        }
        return row;
    }

    /** log_softmax computed in double precision, independently of DJL. */
    static double[] logSoftmax(float[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : row) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : row) {
            sum += Math.exp(x - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i] - logSum;
        }
        return out;
    }
}
