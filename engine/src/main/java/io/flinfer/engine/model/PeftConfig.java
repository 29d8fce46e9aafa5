package io.flinfer.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The parts of a PEFT {@code adapter_config.json} a LoRA adapter needs: its rank and scaling. Options
 * that change what the matrices mean and that the engine does not implement (DoRA, per-module rank
 * or alpha patterns, fan-in-fan-out layout, trained biases, extra trained modules, targets outside
 * the decoder layers' products) are refused rather than silently ignored.
 */
record PeftConfig(int rank, double alpha, boolean rsLora) {
    /** The scaling PEFT applies to {@code B A}: {@code alpha / r}, or {@code alpha / sqrt(r)} for rsLoRA. */
    double scale() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    static PeftConfig load(String name, Path dir) {
        Path file = dir.resolve("adapter_config.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("LoRA adapter " + name + ": no adapter_config.json in " + dir);
        }
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("LoRA adapter " + name + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        String type = c.path("peft_type").asText("LORA");
        refuseIf(name, !type.equalsIgnoreCase("LORA"), "peft_type " + type + " (only LORA)");
        refuseIf(name, c.path("use_dora").asBoolean(false), "use_dora");
        refuseIf(name, c.path("fan_in_fan_out").asBoolean(false), "fan_in_fan_out");
        refuseIf(name, !c.path("bias").asText("none").equals("none"), "bias " + c.path("bias").asText());
        refuseIf(name, nonEmpty(c.path("modules_to_save")), "modules_to_save");
        refuseIf(name, nonEmpty(c.path("rank_pattern")) || nonEmpty(c.path("alpha_pattern")),
                "rank_pattern/alpha_pattern");
        JsonNode targets = c.path("target_modules");
        if (targets.isArray()) {
            for (JsonNode t : targets) {
                String module = t.asText().substring(t.asText().lastIndexOf('.') + 1);
                refuseIf(name, !LoraAdapter.MODULES.contains(module), "target module " + t.asText()
                        + " (supported: " + String.join(", ", LoraAdapter.MODULES) + ")");
            }
        }
        int rank = c.path("r").asInt(0);
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA adapter " + name + ": adapter_config.json needs a positive r, got "
                    + c.path("r"));
        }
        return new PeftConfig(rank, c.path("lora_alpha").asDouble(8), c.path("use_rslora").asBoolean(false));
    }

    private static boolean nonEmpty(JsonNode node) {
        return !node.isMissingNode() && !node.isNull() && node.size() > 0;
    }

    private static void refuseIf(String name, boolean unsupported, String what) {
        if (unsupported) {
            throw new IllegalArgumentException("LoRA adapter " + name + " uses " + what + ", which is not supported");
        }
    }
}
