package io.flinfer.engine.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The forward program as libtorch runs it: its TorchScript archive ({@code llama.py} after the slot
 * functions {@link WeightLayout} writes) and the calls that set it up for one model. {@link LlamaModel}
 * loads and sets it up through DJL; {@link ProgramExport} writes the same archive and calls out for
 * PyTorch alone.
 */
public final class ForwardProgram {
    /** The class the source declares, under {@code __torch__}. */
    static final String CLASS = "Llama";
    private static final String SOURCE = WeightLayout.programSource() + resource("llama.py");

    /**
     * One set-up method and its arguments, each a Long, Double, Boolean or boolean[]. {@code setup_weights}
     * takes the weight list first, ahead of these.
     */
    public record SetupCall(String method, List<Object> args) {}

    private ForwardProgram() {}

    /** The archive {@code torch::jit::load} (and {@code torch.jit.load}) reads: the program with its attributes empty. */
    public static byte[] archive() {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("training", false);
        for (String list : new String[] {"weights", "norm_pairs", "fast", "use_fast", "int8", "scales", "int8_dynamic", "packed", "k_cache",
                "v_cache", "lora_a", "lora_b", "lora_plan", "expert_fast"}) {
            attributes.put(list, List.of());
        }
        for (String size : new String[] {"layers", "heads", "kv_heads", "head_dim", "intermediate", "max_layers"}) {
            attributes.put(size, 0);
        }
        attributes.put("has_qkv_bias", false);
        attributes.put("has_qk_norm", false);
        attributes.put("eps", 0.0);
        attributes.put("top_k", 0);
        attributes.put("norm_topk_prob", false);
        attributes.put("embed_scale", 1.0);
        attributes.put("query_scale", 1.0);
        attributes.put("attn_softcap", 0.0);
        attributes.put("final_softcap", 0.0);
        attributes.put("window", 0);
        attributes.put("sliding", List.of());
        attributes.put("local_rope", false);
        attributes.put("use_expert_fast", false);
        attributes.put("gelu", false);
        attributes.put("reference", false);
        attributes.put("int8_seven_bits", false);
        attributes.put("math_attention", false);
        attributes.put("fused_norm", false);
        return TorchScriptArchive.write(CLASS, SOURCE, attributes);
    }

    /**
     * The set-up calls {@code config} needs, in order, before the cache is handed over: always
     * {@code setup_weights}, then {@code setup_experts}, {@code setup_gemma} and {@code setup_window}
     * where the model has them.
     */
    public static List<SetupCall> setupCalls(ModelConfig config) {
        List<SetupCall> calls = new ArrayList<>();
        calls.add(new SetupCall("setup_weights", List.of((long) config.numLayers(), (long) config.numHeads(),
                (long) config.numKvHeads(), (long) config.headDim(), config.qkvBias(), config.qkNorm(),
                config.rmsNormEps())));
        if (config.moe() != null) {
            calls.add(new SetupCall("setup_experts", List.of((long) config.moe().topK(), config.moe().normTopkProb())));
        }
        ModelConfig.Gemma g = config.gemma();
        if (g != null) {
            calls.add(new SetupCall("setup_gemma", List.of(Math.sqrt(config.hiddenSize()),
                    Math.sqrt(config.headDim() / g.queryPreAttnScalar()), g.attnSoftcap(), g.finalSoftcap())));
        }
        ModelConfig.SlidingWindow window = config.slidingWindow();
        if (window != null) {
            calls.add(new SetupCall("setup_window", List.of((long) window.size(), window.layers())));
        }
        return calls;
    }

    private static String resource(String name) {
        try (InputStream in = ForwardProgram.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
