package io.flinfer.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's tokenizer: Hugging Face {@code tokenizer.json} through DJL's tokenizers binding, plus the special
 * tokens and chat template of {@code tokenizer_config.json} and the token ids of {@code generation_config.json}.
 * Encoding and decoding are safe from several threads; close it to free the native tokenizer.
 */
public final class Tokenizer implements AutoCloseable {
    static final String FILE_NAME = "tokenizer.json";
    /** DJL truncates and pads by default; an engine wants the exact ids of the whole text. */
    private static final Map<String, String> DJL_OPTIONS =
            Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final Integer bosTokenId;
    private final Set<Integer> eosTokenIds;
    private final Boolean addBosToken;
    private final ChatTemplate chatTemplate;
    private final byte[][] tokenBytes;

    private Tokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, Integer bosTokenId,
            Set<Integer> eosTokenIds, Boolean addBosToken, ChatTemplate chatTemplate, byte[][] tokenBytes) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.bosTokenId = bosTokenId;
        this.eosTokenIds = eosTokenIds;
        this.addBosToken = addBosToken;
        this.chatTemplate = chatTemplate;
        this.tokenBytes = tokenBytes;
    }

    /**
     * Loads the tokenizer of a Hugging Face model directory.
     *
     * @throws IllegalArgumentException naming the file and the problem when a file is missing or malformed
     */
    public static Tokenizer load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("Model directory " + modelDir + " does not exist or is not a directory");
        }
        Path file = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(FILE_NAME + " is missing in " + modelDir
                    + ": the model directory needs the Hugging Face tokenizers file (a 'fast' tokenizer)");
        }
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        JsonNode tokenizerJson = ModelJsonFile.parse(file, json);
        Vocabulary vocabulary = Vocabulary.of(file, tokenizerJson);
        TokenizerConfig config = TokenizerConfig.read(modelDir);
        GenerationConfig generation = GenerationConfig.read(modelDir);

        Integer bosTokenId = config.bosToken() != null
                ? Integer.valueOf(tokenId(vocabulary, modelDir, "bos_token", config.bosToken()))
                : generation.bosTokenId();
        // Generation stops at the tokenizer's eos token and at every one generation_config.json lists, as in vLLM.
        Set<Integer> eosTokenIds = new LinkedHashSet<>();
        if (config.eosToken() != null) {
            eosTokenIds.add(tokenId(vocabulary, modelDir, "eos_token", config.eosToken()));
        }
        eosTokenIds.addAll(generation.eosTokenIds());
        ChatTemplate chatTemplate = config.chatTemplate() == null
                ? null
                : new ChatTemplate(config.chatTemplate(), config.bosToken(), config.eosToken());

        HuggingFaceTokenizer tokenizer = createDjlTokenizer(file, json);
        return new Tokenizer(tokenizer, vocabulary.size(), bosTokenId, Set.copyOf(eosTokenIds),
                config.addBosToken(), chatTemplate, TokenBytes.of(tokenizerJson, vocabulary.size()));
    }

    private static HuggingFaceTokenizer createDjlTokenizer(Path file, String json) {
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), DJL_OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "The Hugging Face tokenizers library rejected " + file + ": " + e.getMessage(), e);
        }
    }

    private static int tokenId(Vocabulary vocabulary, Path modelDir, String field, String token) {
        Integer id = vocabulary.idOf(token);
        if (id == null) {
            throw new IllegalArgumentException(TokenizerConfig.FILE_NAME + " in " + modelDir + " names " + field
                    + " '" + token + "', but " + FILE_NAME + " has no such token");
        }
        return id;
    }

    /**
     * The ids of a text with the special tokens the tokenizer adds (e.g. BOS for Llama). For a prompt rendered
     * by a chat template use {@link #encodeWithoutSpecialTokens}, since the template writes them itself.
     */
    public int[] encode(String text) {
        int[] ids = toInts(tokenizer.encode(text, true, false).getIds());
        if (addBosToken == null || bosTokenId == null) {
            return ids;
        }
        // transformers' Llama tokenizers rebuild their post-processor from add_bos_token; honour it the same way.
        if (addBosToken && !startsWithBos(ids)) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = bosTokenId;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        if (!addBosToken && startsWithBos(ids) && !startsWithBos(encodeWithoutSpecialTokens(text))) {
            return Arrays.copyOfRange(ids, 1, ids.length);
        }
        return ids;
    }

    private boolean startsWithBos(int[] ids) {
        return ids.length > 0 && ids[0] == bosTokenId;
    }

    /** The ids of a text alone: no BOS, EOS or other tokens from the post-processor. */
    public int[] encodeWithoutSpecialTokens(String text) {
        return toInts(tokenizer.encode(text, false, false).getIds());
    }

    /** The text of the ids, special tokens skipped. */
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, true);
    }

    /** The beginning-of-sequence token id, or null when the model names none. */
    public Integer bosTokenId() {
        return bosTokenId;
    }

    /** The ids that end generation: the tokenizer's eos token and those of generation_config.json. */
    public Set<Integer> eosTokenIds() {
        return eosTokenIds;
    }

    /** Number of token ids the tokenizer knows (one more than the largest id). */
    /**
     * The bytes each token id decodes to within a text (a space-led SentencePiece token with its
     * space); null for special tokens. The array is shared: do not modify it.
     */
    public byte[][] tokenBytes() {
        return tokenBytes;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /**
     * A hash of what token ids mean: each id's bytes (special tokens marked apart), the BOS id and the
     * EOS ids. Two tokenizers with the same fingerprint read every id the same way, so a request's ids
     * carry over from one to the other; 16 hex digits of SHA-256.
     */
    public String fingerprint() {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (byte[] token : tokenBytes) {
                sha.update(token == null ? new byte[] {(byte) 0xff, 0} : token);
                sha.update((byte) 0);
            }
            sha.update(String.valueOf(bosTokenId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(new java.util.TreeSet<>(eosTokenIds).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    public boolean hasChatTemplate() {
        return chatTemplate != null;
    }

    /**
     * Renders a conversation with the model's chat template.
     *
     * @throws IllegalStateException when the model has no chat template
     * @see ChatTemplate#render
     */
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (chatTemplate == null) {
            throw new IllegalStateException("This model has no chat template (no 'chat_template' in "
                    + TokenizerConfig.FILE_NAME + " and no " + TokenizerConfig.JINJA_FILE_NAME
                    + "): send a plain completion prompt instead of chat messages");
        }
        return chatTemplate.render(messages, addGenerationPrompt);
    }

    /** A detokenizer for a sequence generated from nothing (its first piece has no leading space). */
    public IncrementalDetokenizer newDetokenizer() {
        return newDetokenizer(new int[0]);
    }

    /** A detokenizer for a sequence that continues the given prompt, so its first piece is spaced as in context. */
    public IncrementalDetokenizer newDetokenizer(int[] promptIds) {
        return new IncrementalDetokenizer(this::decode, promptIds);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static int[] toInts(long[] ids) {
        int[] ints = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ints[i] = Math.toIntExact(ids[i]);
        }
        return ints;
    }
}
