package io.flinfer.engine.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama-style byte-fallback BPE tokenizer of exactly {@code vocabSize} tokens, written as a Hugging
 * Face {@code tokenizer.json}: the specials {@code <unk> <s> </s>}, the 256 byte tokens
 * {@code <0x00>..<0xFF>} (so any text encodes and round-trips), single characters and merges learned
 * from a small bundled English text, and unused tokens up to the vocabulary size.
 */
public final class SynthTokenizer {
    private static final List<String> SPECIALS = List.of("<unk>", "<s>", "</s>");
    private static final String CORPUS = "corpus.txt";

    private final List<String> vocab;
    private final List<String[]> merges;

    private SynthTokenizer(List<String> vocab, List<String[]> merges) {
        this.vocab = vocab;
        this.merges = merges;
    }

    public static SynthTokenizer create(int vocabSize) {
        int fixed = SPECIALS.size() + 256;
        if (vocabSize <= fixed) {
            throw new IllegalArgumentException(
                    "vocab_size " + vocabSize + " is too small: a byte-fallback tokenizer needs more than " + fixed);
        }
        BpeTrainer.Result learned = BpeTrainer.train(corpus(), vocabSize - fixed);
        List<String> vocab = new ArrayList<>(SPECIALS);
        for (int b = 0; b < 256; b++) {
            vocab.add(String.format("<0x%02X>", b));
        }
        vocab.addAll(learned.alphabet());
        vocab.addAll(learned.mergedTokens());
        for (int i = 0; vocab.size() < vocabSize; i++) {
            vocab.add("<unused" + i + ">");
        }
        return new SynthTokenizer(vocab, learned.merges());
    }

    public int vocabSize() {
        return vocab.size();
    }

    public int numMerges() {
        return merges.size();
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}. */
    public void write(Path dir, int modelMaxLength) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson(json));
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig(json, modelMaxLength));
    }

    private ObjectNode tokenizerJson(ObjectMapper json) {
        ObjectNode t = json.createObjectNode();
        t.put("version", "1.0").putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int id = 0; id < SPECIALS.size(); id++) {
            added.addObject().put("id", id).put("content", SPECIALS.get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        // SentencePiece conventions: a space becomes "▁", and the text starts with one.
        ObjectNode normalizer = t.putObject("normalizer").put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", BpeTrainer.SPACE);
        ObjectNode replace = normalizers.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", BpeTrainer.SPACE);
        t.putNull("pre_tokenizer");
        t.set("post_processor", bosProcessor(json));
        t.set("decoder", decoder(json));
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.put("unk_token", "<unk>").putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode vocabNode = model.putObject("vocab");
        for (int id = 0; id < vocab.size(); id++) {
            vocabNode.put(vocab.get(id), id);
        }
        ArrayNode mergesNode = model.putArray("merges");
        merges.forEach(m -> mergesNode.add(m[0] + " " + m[1]));
        return t;
    }

    /** Encoding adds {@code <s>} in front, as Llama's tokenizer does. */
    private static ObjectNode bosProcessor(ObjectMapper json) {
        ObjectNode p = json.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = p.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = p.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(SynthPreset.BOS_ID);
        bos.putArray("tokens").add("<s>");
        return p;
    }

    /** "▁" back to spaces, byte tokens back to UTF-8, and the space the normalizer prepended removed. */
    private static ObjectNode decoder(ObjectMapper json) {
        ObjectNode d = json.createObjectNode().put("type", "Sequence");
        ArrayNode decoders = d.putArray("decoders");
        ObjectNode replace = decoders.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", BpeTrainer.SPACE);
        replace.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        return d;
    }

    private static ObjectNode tokenizerConfig(ObjectMapper json, int modelMaxLength) {
        return json.createObjectNode()
                .put("add_bos_token", true)
                .put("add_eos_token", false)
                .put("bos_token", "<s>")
                .put("eos_token", "</s>")
                .put("unk_token", "<unk>")
                .put("model_max_length", modelMaxLength)
                .put("tokenizer_class", "LlamaTokenizer")
                .put("clean_up_tokenization_spaces", false)
                .put("chat_template", CHAT_TEMPLATE);
    }

    /** A plain role-prefixed template, so chat requests work against synthetic models too. */
    private static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}"
            + "{% if add_generation_prompt %}assistant:{% endif %}";

    private static String corpus() {
        try (InputStream in = SynthTokenizer.class.getResourceAsStream(CORPUS)) {
            if (in == null) {
                throw new IllegalStateException("the tokenizer training text " + CORPUS + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
