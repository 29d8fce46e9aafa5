package io.flinfer.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The bytes each token decodes to in the middle of a text, read from {@code tokenizer.json}'s
 * vocabulary and decoder: what a constraint engine needs to know which tokens fit a grammar.
 * Byte-level BPE (GPT-2, Llama 3, Qwen) maps each character of a token back to a byte through GPT-2's
 * byte-to-unicode table; SentencePiece-style tokenizers (Llama 2, Mistral) write spaces as
 * {@code ▁} and single bytes as {@code <0xHH>} (byte fallback). Special tokens get null: they never
 * appear in constrained text.
 */
final class TokenBytes {
    private TokenBytes() {}

    static byte[][] of(JsonNode tokenizerJson, int size) {
        List<String> decoders = new ArrayList<>();
        collectDecoders(tokenizerJson.path("decoder"), decoders);
        boolean byteLevel = decoders.contains("ByteLevel");
        Map<Integer, Integer> unicodeToByte = byteLevel ? unicodeToByte() : Map.of();
        byte[][] bytes = new byte[size][];
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                put(bytes, e.getValue().asInt(), e.getKey(), byteLevel, unicodeToByte);
            }
        } else if (vocab.isArray()) {
            for (int id = 0; id < vocab.size(); id++) {
                put(bytes, id, vocab.get(id).path(0).asText(), byteLevel, unicodeToByte);
            }
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            int id = added.path("id").asInt();
            if (id >= 0 && id < size) {
                bytes[id] = added.path("special").asBoolean(false)
                        ? null
                        : added.path("content").asText().getBytes(StandardCharsets.UTF_8);
            }
        }
        return bytes;
    }

    private static void put(byte[][] bytes, int id, String token, boolean byteLevel, Map<Integer, Integer> unicodeToByte) {
        if (id < 0 || id >= bytes.length) {
            return;
        }
        if (byteLevel) {
            byte[] out = new byte[token.length()];
            int n = 0;
            for (int c : token.codePoints().toArray()) {
                Integer b = unicodeToByte.get(c);
                if (b == null) {
                    return; // not a byte-level token: leave it out
                }
                out[n++] = (byte) (int) b;
            }
            bytes[id] = java.util.Arrays.copyOf(out, n);
        } else if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
            bytes[id] = new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)};
        } else {
            bytes[id] = token.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        }
    }

    private static void collectDecoders(JsonNode decoder, List<String> types) {
        if (decoder.isMissingNode() || decoder.isNull()) {
            return;
        }
        types.add(decoder.path("type").asText());
        for (JsonNode d : decoder.path("decoders")) {
            collectDecoders(d, types);
        }
    }

    /** GPT-2's bytes_to_unicode, inverted. */
    private static Map<Integer, Integer> unicodeToByte() {
        Map<Integer, Integer> map = new HashMap<>();
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map.put(printable ? b : 256 + n++, b);
        }
        return map;
    }
}
