package io.flinfer.engine.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads one JSON file of a model directory, turning every failure into a message naming the file. */
final class ModelJsonFile {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ModelJsonFile() {}

    /** The file's top-level object, or empty when the file does not exist. */
    static Optional<JsonNode> readIfPresent(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return Optional.of(parse(file, text));
    }

    static JsonNode parse(Path file, String text) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    file + " is not valid JSON: " + e.getOriginalMessage()
                            + " (line " + e.getLocation().getLineNr() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + " must hold a JSON object, but it holds "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        return root;
    }

    static IllegalArgumentException badField(Path file, String field, String expected, JsonNode actual) {
        return new IllegalArgumentException(
                file + ": field '" + field + "' must be " + expected + ", but it is " + actual);
    }
}
