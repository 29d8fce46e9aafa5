package io.flinfer.engine;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LoRA adapters an engine serves over its base model, with vLLM's option names: a request whose
 * {@code model} is one of {@code modules}' names runs with that adapter.
 *
 * @param modules adapter name to PEFT folder ({@code --lora-modules NAME=PATH}), in the order given
 * @param maxLoras adapters in one step ({@code --max-loras}); requests of further adapters wait
 * @param maxLoraRank the largest rank an adapter may have ({@code --max-lora-rank})
 * @param maxCpuLoras loaded adapters kept in memory ({@code --max-cpu-loras}), the least recently used
 *     of those no request holds evicted beyond it; raised to {@code maxLoras} when lower (0: unset)
 */
public record LoraConfig(Map<String, String> modules, int maxLoras, int maxLoraRank, int maxCpuLoras)
        implements Serializable {
    public static final int DEFAULT_MAX_LORAS = 1;
    public static final int DEFAULT_MAX_LORA_RANK = 16;
    /** No adapters. */
    public static final LoraConfig NONE = new LoraConfig(Map.of(), DEFAULT_MAX_LORAS, DEFAULT_MAX_LORA_RANK, 0);

    public LoraConfig {
        if (maxLoras < 1 || maxLoraRank < 1) {
            throw new IllegalArgumentException("--max-loras and --max-lora-rank must be positive, got "
                    + maxLoras + " and " + maxLoraRank);
        }
        modules = new LinkedHashMap<>(modules);
        for (String name : modules.keySet()) {
            if (name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("a LoRA adapter needs a name without control characters, got '"
                        + name + "'");
            }
        }
        maxCpuLoras = Math.max(maxCpuLoras, maxLoras);
    }

    public boolean isEmpty() {
        return modules.isEmpty();
    }
}
