package io.flinfer.engine.hub;

import java.util.Set;

/** Which files of a Hub repository the engine reads; everything else (README, .bin, ONNX...) is skipped. */
final class EngineFiles {
    static final String CONFIG = "config.json";
    private static final Set<String> NAMED = Set.of(
            CONFIG,
            "generation_config.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "model.safetensors.index.json");

    private EngineFiles() {
    }

    /** Only top-level files: weights in sub-folders belong to other formats or adapters. */
    static boolean isNeeded(String repoFilename) {
        if (repoFilename.contains("/")) {
            return false;
        }
        return NAMED.contains(repoFilename) || repoFilename.endsWith(".safetensors");
    }
}
