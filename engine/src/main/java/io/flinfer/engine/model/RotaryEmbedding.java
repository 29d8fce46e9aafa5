package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in Hugging Face's "rotate half" layout: dimension {@code j} pairs with
 * {@code j + headDim/2}. Cos and sin tables for every position are computed once, with Llama 3 or
 * linear frequency scaling when the config asks for it.
 */
final class RotaryEmbedding {
    private RotaryEmbedding() {}

    /** Cos and sin of every position's angles, each {@code [maxPositions, headDim/2]} in {@code dtype}. */
    static NDArray[] tables(ModelConfig config, int maxPositions, DataType dtype, NDManager manager) {
        int half = config.headDim() / 2;
        float[] invFreq = inverseFrequencies(config);
        float[] cosTable = new float[maxPositions * half];
        float[] sinTable = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int j = 0; j < half; j++) {
                float angle = p * invFreq[j];
                cosTable[p * half + j] = (float) Math.cos(angle);
                sinTable[p * half + j] = (float) Math.sin(angle);
            }
        }
        Shape shape = new Shape(maxPositions, half);
        return new NDArray[] {
            manager.create(cosTable, shape).toType(dtype, false), manager.create(sinTable, shape).toType(dtype, false)
        };
    }

    static float[] inverseFrequencies(ModelConfig config) {
        int dim = config.headDim();
        float[] inv = new float[dim / 2];
        for (int j = 0; j < inv.length; j++) {
            inv[j] = (float) (1.0 / Math.pow(config.ropeTheta(), (2.0 * j) / dim));
        }
        ModelConfig.RopeScaling s = config.ropeScaling();
        if (s == null) {
            return inv;
        }
        for (int j = 0; j < inv.length; j++) {
            inv[j] = s.type().equals("linear") ? (float) (inv[j] / s.factor()) : llama3(inv[j], s);
        }
        return inv;
    }

    /** Llama 3.1's scaling: long wavelengths slowed by {@code factor}, short ones kept, a ramp between. */
    private static float llama3(float invFreq, ModelConfig.RopeScaling s) {
        double oldContext = s.originalMaxPositionEmbeddings();
        double lowFreqWavelen = oldContext / s.lowFreqFactor();
        double highFreqWavelen = oldContext / s.highFreqFactor();
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen < highFreqWavelen) {
            return invFreq;
        }
        if (wavelen > lowFreqWavelen) {
            return (float) (invFreq / s.factor());
        }
        double smooth = (oldContext / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        return (float) ((1 - smooth) * invFreq / s.factor() + smooth * invFreq);
    }
}
