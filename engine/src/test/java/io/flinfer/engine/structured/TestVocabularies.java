package io.flinfer.engine.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Vocabularies for tests without a model: every byte as a token (as byte-fallback and byte-level
 * tokenizers have), specials, and merge-heavy multi-byte tokens that cross JSON's structure.
 */
final class TestVocabularies {
    static final int EOS = 2;
    private static final List<String> MERGES = List.of("{\"", "\":", "\",", "\"}", "\"},", "}]", "],", "[{", "[\"",
            "\",\"", "true", "false", "null", "12", "00", "0.", "-1", "ab", "abc", "the", " the", "name", "\":\"",
            "\":[", "\":{", "}}", "]}", "\"]", "e+", "1}", "2,", "é", "日本", "\\n", "\\\"", "a\"", "x\":1}",
            "cat", "dog", "yes", "no", "2024-", "-01", "@ex", ".com", "http", "://", "AB", "Zz");

    private TestVocabularies() {}

    /** {@code <unk> <s> </s>}, the 256 bytes, then {@link #MERGES}. */
    static TokenVocabulary mergeHeavy() {
        List<byte[]> tokens = new ArrayList<>();
        tokens.add(null);
        tokens.add(null);
        tokens.add(null);
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        for (String m : MERGES) {
            tokens.add(m.getBytes(StandardCharsets.UTF_8));
        }
        return new TokenVocabulary(tokens.toArray(new byte[0][]), Set.of(EOS));
    }
}
