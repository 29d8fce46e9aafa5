package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Where each weight sits in the list the model program receives, named once. {@link LlamaModel}
 * puts each tensor by name; the program finds it through the slot functions {@link #programSource()}
 * writes ahead of its own source ({@code embedding_slot()}, {@code qkv_slot(layer)}, ...), so the two
 * sides cannot disagree on an index.
 */
final class WeightLayout {
    /**
     * The model's weights that exist once, first in the list. ROPE_LOCAL_COS/SIN are the tables of
     * Gemma's sliding-window layers (the same tensors as ROPE_COS/SIN in other models).
     */
    enum Global { EMBEDDING, FINAL_NORM, LM_HEAD, ROPE_COS, ROPE_SIN, ROPE_LOCAL_COS, ROPE_LOCAL_SIN }

    /**
     * Each layer's weights, layer after layer. q/k/v and gate/up are stacked (one product each);
     * an absent bias, norm or matrix is an empty tensor. A dense layer has GATE_UP and DOWN; a
     * mixture of experts has ROUTER {@code [experts, hidden]}, the experts stacked into
     * EXPERT_GATE_UP {@code [experts, 2 * inter, hidden]} and EXPERT_DOWN {@code [experts, hidden, inter]},
     * and Qwen2-MoE's shared expert SHARED_GATE_UP, SHARED_DOWN and its gate SHARED_GATE {@code [1, hidden]}.
     * POST_NORM is the norm before the MLP; Gemma's norms of the attention and MLP outputs are
     * ATTN_OUT_NORM and MLP_OUT_NORM.
     */
    enum Layer {
        INPUT_NORM, QKV, QKV_BIAS, Q_NORM, K_NORM, O, POST_NORM, GATE_UP, DOWN,
        ROUTER, EXPERT_GATE_UP, EXPERT_DOWN, SHARED_GATE_UP, SHARED_DOWN, SHARED_GATE, ATTN_OUT_NORM, MLP_OUT_NORM
    }

    /**
     * The layer weights the step multiplies by, which may take a fast path (those a layer lacks are
     * skipped by the model). The router stays on linear: see {@code moe} in llama.py.
     */
    private static final List<Layer> LAYER_MATRICES =
            List.of(Layer.QKV, Layer.O, Layer.GATE_UP, Layer.DOWN, Layer.SHARED_GATE_UP, Layer.SHARED_DOWN);

    private final NDArray[] weights;

    WeightLayout(int layers) {
        weights = new NDArray[Global.values().length + layers * Layer.values().length];
    }

    static int slot(Global weight) {
        return weight.ordinal();
    }

    static int slot(int layer, Layer weight) {
        return Global.values().length + layer * Layer.values().length + weight.ordinal();
    }

    /** The output head, then each layer's matrices. */
    static int[] matrixSlots(int layers) {
        return IntStream.concat(IntStream.of(slot(Global.LM_HEAD)), IntStream.range(0, layers)
                .flatMap(l -> LAYER_MATRICES.stream().mapToInt(w -> slot(l, w)))).toArray();
    }

    void put(Global weight, NDArray tensor) {
        weights[slot(weight)] = tensor;
    }

    void put(int layer, Layer weight, NDArray tensor) {
        weights[slot(layer, weight)] = tensor;
    }

    /** @throws IllegalStateException naming the first slot nothing was put in */
    List<NDArray> toList() {
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] == null) {
                throw new IllegalStateException("no weight in slot " + i);
            }
        }
        return new ArrayList<>(Arrays.asList(weights));
    }

    /** Each slot's name, in slot order: {@code embedding}, ..., {@code layers.0.input_norm}, ... */
    static List<String> slotNames(int layers) {
        List<String> names = new ArrayList<>();
        for (Global g : Global.values()) {
            names.add(name(g));
        }
        for (int l = 0; l < layers; l++) {
            for (Layer w : Layer.values()) {
                names.add("layers." + l + "." + name(w));
            }
        }
        return names;
    }

    /** TorchScript source of one function per slot, e.g. {@code def qkv_slot(layer: int) -> int}. */
    static String programSource() {
        StringBuilder source = new StringBuilder("# Weight slots, written by WeightLayout.java.\n");
        for (Global g : Global.values()) {
            source.append(String.format("def %s_slot() -> int:%n  return %d%n", name(g), slot(g)));
        }
        for (Layer w : Layer.values()) {
            source.append(String.format("def %s_slot(layer: int) -> int:%n  return %d + %d * layer%n", name(w),
                    slot(0, w), Layer.values().length));
        }
        return source.toString();
    }

    private static String name(Enum<?> weight) {
        return weight.name().toLowerCase(Locale.ROOT);
    }
}
