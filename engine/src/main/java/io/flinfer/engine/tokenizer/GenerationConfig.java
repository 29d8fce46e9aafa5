package io.flinfer.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The token ids {@code generation_config.json} names; bosTokenId may be null, eosTokenIds empty. */
record GenerationConfig(Integer bosTokenId, List<Integer> eosTokenIds) {
    static final String FILE_NAME = "generation_config.json";

    static GenerationConfig read(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        JsonNode root = ModelJsonFile.readIfPresent(file).orElse(null);
        if (root == null) {
            return new GenerationConfig(null, List.of());
        }
        JsonNode bos = root.get("bos_token_id");
        Integer bosTokenId = bos == null || bos.isNull() ? null : tokenId(file, "bos_token_id", bos);
        return new GenerationConfig(bosTokenId, eosTokenIds(file, root.get("eos_token_id")));
    }

    /** eos_token_id is one id, or a list of them (Llama 3 instruct models end on either of two tokens). */
    private static List<Integer> eosTokenIds(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            return List.of(tokenId(file, "eos_token_id", node));
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode element : node) {
            ids.add(tokenId(file, "eos_token_id", element));
        }
        return List.copyOf(ids);
    }

    private static int tokenId(Path file, String field, JsonNode node) {
        if (!node.isInt() || node.intValue() < 0) {
            throw ModelJsonFile.badField(file, field, "a non-negative integer token id (or a list of them)", node);
        }
        return node.intValue();
    }
}
