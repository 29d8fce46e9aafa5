package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in Hugging Face's "rotate half" layout over the first {@code rotaryDim}
 * dimensions of a head (all of them but in Phi-4-mini): dimension {@code j} pairs with
 * {@code j + rotaryDim/2}. Cos and sin tables for every position are computed once, with Llama 3,
 * linear or longrope frequency scaling when the config asks for it.
 *
 * <p>Longrope takes the short factors at positions below {@code original_max_position_embeddings}
 * and the long ones from there on. Transformers switches the whole forward call to the long factors
 * once any position passes that length, so the two agree while a sequence stays within it; past it,
 * this engine keeps the keys already cached under the short factors (as transformers' own cached
 * generation does) and never lets one sequence's length change another's rotation in a batch.
 */
final class RotaryEmbedding {
    private RotaryEmbedding() {}

    /** Cos and sin of every position's angles, each {@code [maxPositions, rotaryDim/2]} in {@code dtype}. */
    static NDArray[] tables(ModelConfig config, int maxPositions, DataType dtype, NDManager manager) {
        ModelConfig.RopeScaling s = config.ropeScaling();
        boolean longRope = s != null && s.type().equals("longrope");
        float[] invFreq = inverseFrequencies(config);
        float[] longInvFreq = longRope ? longRopeFrequencies(config, s.longFactor()) : invFreq;
        int switchAt = longRope ? s.originalMaxPositionEmbeddings() : maxPositions;
        return tables(invFreq, longInvFreq, switchAt, longRope ? s.attentionFactor() : 1.0, maxPositions, dtype, manager);
    }

    /** Gemma's sliding-window layers' tables: their own base, unscaled. */
    static NDArray[] localTables(ModelConfig config, int maxPositions, DataType dtype, NDManager manager) {
        float[] inv = plainFrequencies(config.rotaryDim(), config.gemma().localRopeTheta());
        return tables(inv, inv, maxPositions, 1.0, maxPositions, dtype, manager);
    }

    /** Positions below {@code switchAt} take {@code invFreq}, the others {@code laterInvFreq}. */
    private static NDArray[] tables(float[] invFreq, float[] laterInvFreq, int switchAt, double magnitude,
            int maxPositions, DataType dtype, NDManager manager) {
        int half = invFreq.length;
        float[] cosTable = new float[maxPositions * half];
        float[] sinTable = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            float[] inv = p >= switchAt ? laterInvFreq : invFreq;
            for (int j = 0; j < half; j++) {
                float angle = p * inv[j];
                cosTable[p * half + j] = (float) (Math.cos(angle) * magnitude);
                sinTable[p * half + j] = (float) (Math.sin(angle) * magnitude);
            }
        }
        Shape shape = new Shape(maxPositions, half);
        return new NDArray[] {
            manager.create(cosTable, shape).toType(dtype, false), manager.create(sinTable, shape).toType(dtype, false)
        };
    }

    static float[] inverseFrequencies(ModelConfig config) {
        ModelConfig.RopeScaling s = config.ropeScaling();
        if (s != null && s.type().equals("longrope")) {
            return longRopeFrequencies(config, s.shortFactor());
        }
        float[] inv = plainFrequencies(config.rotaryDim(), config.ropeTheta());
        if (s == null) {
            return inv;
        }
        for (int j = 0; j < inv.length; j++) {
            inv[j] = s.type().equals("linear") ? (float) (inv[j] / s.factor()) : llama3(inv[j], s);
        }
        return inv;
    }

    private static float[] plainFrequencies(int dim, double theta) {
        float[] inv = new float[dim / 2];
        for (int j = 0; j < inv.length; j++) {
            inv[j] = (float) (1.0 / Math.pow(theta, (2.0 * j) / dim));
        }
        return inv;
    }

    /** Longrope: each frequency divided by its own factor. */
    private static float[] longRopeFrequencies(ModelConfig config, double[] factors) {
        int dim = config.rotaryDim();
        float[] inv = new float[dim / 2];
        for (int j = 0; j < inv.length; j++) {
            inv[j] = (float) (1.0 / (factors[j] * Math.pow(config.ropeTheta(), (2.0 * j) / dim)));
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
