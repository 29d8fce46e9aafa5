package io.flinfer.engine.hub;

import java.util.List;
import java.util.Set;

/** Which files of a Hub repository the engine reads; everything else (README, .bin, ONNX...) is skipped. */
final class EngineFiles implements HubSnapshotDownloader.FileSelection {
    static final String CONFIG = "config.json";
    private static final Set<String> NAMED = Set.of(
            CONFIG,
            "generation_config.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "model.safetensors.index.json");

    /** The selection of a model repository's engine files. */
    static final EngineFiles SELECTION = new EngineFiles();

    private EngineFiles() {
    }

    @Override
    public List<String> select(HubRepo repo, List<String> files, String commit) {
        List<String> needed = files.stream().filter(EngineFiles::isNeeded).toList();
        if (!needed.contains(CONFIG)) {
            throw new ModelSourceException(repo + " (commit " + commit + ") has no " + CONFIG
                    + " at its top level, so it is not a model the engine can load.");
        }
        return needed;
    }

    @Override
    public String marker() {
        return CONFIG;
    }

    /** Only top-level files: weights in sub-folders belong to other formats or adapters. */
    static boolean isNeeded(String repoFilename) {
        if (repoFilename.contains("/")) {
            return false;
        }
        return NAMED.contains(repoFilename) || repoFilename.endsWith(".safetensors");
    }
}
