package io.flinfer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Prompts of random token ids, as vLLM's {@code RandomDataset}: ids uniform over the vocabulary
 * except the special tokens, lengths uniform in a range, all from one seed. Random ids are the
 * worst case for a prefix cache, so the throughput benchmark measures scheduling, not cache luck.
 */
public final class RandomDataset {
    private final int[] ids;
    private final Random random;

    /** @param specialIds ids never drawn (e.g. BOS and EOS, so no prompt carries an end-of-text marker) */
    public RandomDataset(int vocabSize, Set<Integer> specialIds, long seed) {
        ids = IntStream.range(0, vocabSize).filter(id -> !specialIds.contains(id)).toArray();
        if (ids.length == 0) {
            throw new IllegalArgumentException("every id of the vocabulary is special; nothing to draw prompts from");
        }
        random = new Random(seed);
    }

    /** {@code n} requests with prompt lengths from {@code input} and output lengths from {@code output}. */
    public List<BenchRequest> requests(int n, TokenRange input, TokenRange output) {
        List<BenchRequest> requests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            requests.add(new BenchRequest("req-" + i, tokens(input.sample(random)), output.sample(random)));
        }
        return requests;
    }

    /** {@code n} requests that share one random prefix and differ in their random suffix. */
    public List<BenchRequest> sharedPrefixRequests(int n, int prefixLen, int suffixLen, int outputLen) {
        int[] prefix = tokens(prefixLen);
        List<BenchRequest> requests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] prompt = new int[prefixLen + suffixLen];
            System.arraycopy(prefix, 0, prompt, 0, prefixLen);
            System.arraycopy(tokens(suffixLen), 0, prompt, prefixLen, suffixLen);
            requests.add(new BenchRequest("req-" + i, prompt, outputLen));
        }
        return requests;
    }

    private int[] tokens(int length) {
        int[] prompt = new int[length];
        for (int i = 0; i < length; i++) {
            prompt[i] = ids[random.nextInt(ids.length)];
        }
        return prompt;
    }

    /** Random prompts over the vocabulary of the checkpoint in {@code modelDir}, its special tokens left out. */
    public static RandomDataset forModel(Path modelDir, long seed) {
        int vocabSize = ModelConfig.load(modelDir).vocabSize();
        return new RandomDataset(vocabSize, specialTokenIds(modelDir), seed);
    }

    /**
     * The ids of the special tokens in a model folder: {@code tokenizer.json}'s added tokens marked
     * special, and the BOS/EOS ids of {@code config.json}.
     */
    public static Set<Integer> specialTokenIds(Path modelDir) {
        Set<Integer> special = new HashSet<>();
        ObjectMapper json = new ObjectMapper();
        try {
            Path tokenizer = modelDir.resolve("tokenizer.json");
            if (Files.isRegularFile(tokenizer)) {
                for (JsonNode token : json.readTree(tokenizer.toFile()).path("added_tokens")) {
                    if (token.path("special").asBoolean(false)) {
                        special.add(token.path("id").asInt());
                    }
                }
            }
            JsonNode config = json.readTree(modelDir.resolve("config.json").toFile());
            for (String field : List.of("bos_token_id", "eos_token_id")) {
                JsonNode id = config.path(field);
                if (id.isInt()) {
                    special.add(id.asInt());
                }
                id.forEach(each -> special.add(each.asInt())); // eos_token_id may be a list
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model's token files in " + modelDir, e);
        }
        return special;
    }
}
