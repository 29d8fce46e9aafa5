package io.flinfer.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code tokenizer_config.json} (and, from newer transformers versions, {@code chat_template.jinja})
 * says about special tokens and the chat template. Every field may be null: the file is optional.
 */
record TokenizerConfig(String bosToken, String eosToken, String chatTemplate, Boolean addBosToken) {
    static final String FILE_NAME = "tokenizer_config.json";
    static final String JINJA_FILE_NAME = "chat_template.jinja";

    static TokenizerConfig read(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        JsonNode root = ModelJsonFile.readIfPresent(file).orElse(null);
        String chatTemplate = root == null ? null : chatTemplate(file, root.get("chat_template"));
        if (chatTemplate == null) {
            chatTemplate = readJinjaTemplate(modelDir.resolve(JINJA_FILE_NAME));
        }
        if (root == null) {
            return new TokenizerConfig(null, null, chatTemplate, null);
        }
        return new TokenizerConfig(
                tokenText(file, "bos_token", root.get("bos_token")),
                tokenText(file, "eos_token", root.get("eos_token")),
                chatTemplate,
                addBosToken(file, root.get("add_bos_token")));
    }

    /** A special token is written either as its text or as a serialised AddedToken with a "content" field. */
    private static String tokenText(Path file, String field, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").textValue();
        }
        throw ModelJsonFile.badField(file, field, "a string or an object with a string \"content\"", node);
    }

    /** A single template, or a list of named templates of which transformers uses the one named "default". */
    private static String chatTemplate(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode named : node) {
                String name = named.path("name").asText();
                if (name.equals("default") && named.path("template").isTextual()) {
                    return named.get("template").textValue();
                }
                names.add(name);
            }
            throw new IllegalArgumentException(file + ": 'chat_template' lists named templates " + names
                    + " but none named 'default', so there is no template to use for plain chats");
        }
        throw ModelJsonFile.badField(file, "chat_template", "a string or a list of {name, template}", node);
    }

    private static Boolean addBosToken(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw ModelJsonFile.badField(file, "add_bos_token", "true or false", node);
        }
        return node.booleanValue();
    }

    private static String readJinjaTemplate(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
