package io.flinfer.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The token-to-id table of a {@code tokenizer.json}: the model's vocabulary plus its added tokens.
 * DJL's tokenizer exposes neither, and the special tokens of {@code tokenizer_config.json} are named by
 * text, so they are looked up here.
 */
final class Vocabulary {
    private final Map<String, Integer> ids;
    private final int size;

    private Vocabulary(Map<String, Integer> ids) {
        this.ids = ids;
        this.size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    static Vocabulary of(Path file, JsonNode tokenizerJson) {
        JsonNode vocab = tokenizerJson.path("model").get("vocab");
        if (vocab == null) {
            throw new IllegalArgumentException(file + " has no \"model\".\"vocab\": it is not a Hugging Face"
                    + " tokenizers file (save the tokenizer with a fast tokenizer to produce one)");
        }
        Map<String, Integer> ids = new HashMap<>();
        if (vocab.isObject()) {
            // BPE, WordPiece and WordLevel models: {"token": id, ...}
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                ids.put(entry.getKey(), entry.getValue().asInt());
            }
        } else if (vocab.isArray()) {
            // Unigram models: [["piece", score], ...], the id is the position
            for (int id = 0; id < vocab.size(); id++) {
                ids.put(vocab.get(id).path(0).asText(), id);
            }
        } else {
            throw ModelJsonFile.badField(file, "model.vocab", "an object or a list", vocab);
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            ids.put(added.path("content").asText(), added.path("id").asInt());
        }
        return new Vocabulary(ids);
    }

    /** The id of a token given by its text, or null when there is no such token. */
    Integer idOf(String token) {
        return ids.get(token);
    }

    /** One more than the largest id, as transformers' {@code len(tokenizer)}. */
    int size() {
        return size;
    }
}
