package io.flinfer.operators.prepare;

import io.flinfer.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** One tokenizer per model folder per JVM, shared by all subtasks (it is thread-safe). */
final class SharedTokenizers {
    private static final Map<String, Tokenizer> TOKENIZERS = new HashMap<>();

    private SharedTokenizers() {}

    static synchronized Tokenizer get(String modelDir) {
        return TOKENIZERS.computeIfAbsent(modelDir, dir -> Tokenizer.load(Path.of(dir)));
    }
}
