package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flinfer.engine.model.WeightLayout.Layer;
import java.util.List;

/**
 * A sparse layer's weights, read under each family's names and stacked once at load: every
 * expert's gate and up into one {@code [experts, 2 * inter, hidden]} tensor and its down into one
 * {@code [experts, hidden, inter]}, so the program picks an expert's matrix by index.
 *
 * <ul>
 *   <li>Mixtral: {@code block_sparse_moe.gate} (the router) and {@code block_sparse_moe.experts.E.w1}
 *       (gate), {@code w3} (up), {@code w2} (down).
 *   <li>Qwen2-MoE, Qwen3-MoE: {@code mlp.gate} and {@code mlp.experts.E.gate_proj/up_proj/down_proj};
 *       Qwen2-MoE adds {@code mlp.shared_expert.gate_proj/up_proj/down_proj} and
 *       {@code mlp.shared_expert_gate}.
 * </ul>
 */
final class ExpertWeights {
    /** The slots only a sparse layer fills. */
    static final List<Layer> SLOTS = List.of(
            Layer.ROUTER, Layer.EXPERT_GATE_UP, Layer.EXPERT_DOWN, Layer.SHARED_GATE_UP, Layer.SHARED_DOWN,
            Layer.SHARED_GATE);

    private ExpertWeights() {}

    static void put(WeightLayout layout, int layer, Checkpoint ckpt, ModelConfig config, NDManager manager,
            DataType dtype) {
        boolean mixtral = config.modelType().equals("mixtral");
        String p = "model.layers." + layer + "." + (mixtral ? "block_sparse_moe." : "mlp.");
        String[] gate = mixtral ? new String[] {"w1", "w3", "w2"} : new String[] {"gate_proj", "up_proj", "down_proj"};
        int experts = config.moe().numExperts();
        NDList gateUp = new NDList();
        NDList down = new NDList();
        try {
            for (int e = 0; e < experts; e++) {
                String expert = p + "experts." + e + ".";
                gateUp.add(ProgramWeights.stacked(ckpt, manager, dtype, expert + gate[0] + ".weight",
                        expert + gate[1] + ".weight"));
                down.add(ckpt.read(expert + gate[2] + ".weight", manager, dtype));
            }
            layout.put(layer, Layer.EXPERT_GATE_UP, NDArrays.stack(gateUp));
            layout.put(layer, Layer.EXPERT_DOWN, NDArrays.stack(down));
        } finally {
            gateUp.close();
            down.close();
        }
        layout.put(layer, Layer.ROUTER, ckpt.read(p + "gate.weight", manager, dtype));
        NDArray none = manager.zeros(new Shape(0), dtype);
        boolean shared = config.moe().sharedIntermediateSize() > 0;
        String s = p + "shared_expert.";
        layout.put(layer, Layer.SHARED_GATE_UP,
                shared ? ProgramWeights.stacked(ckpt, manager, dtype, s + "gate_proj.weight", s + "up_proj.weight") : none);
        layout.put(layer, Layer.SHARED_DOWN, shared ? ckpt.read(s + "down_proj.weight", manager, dtype) : none);
        layout.put(layer, Layer.SHARED_GATE, shared ? ckpt.read(p + "shared_expert_gate.weight", manager, dtype) : none);
    }
}
