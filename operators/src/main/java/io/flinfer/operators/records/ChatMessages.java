package io.flinfer.operators.records;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinfer.engine.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads the {@code messages} of a chat request: text content only, as a string or text parts. */
final class ChatMessages {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private ChatMessages() {}

    static List<ChatMessage> from(BodyFields body) {
        JsonNode messages = body.node("messages")
                .orElseThrow(() -> new InvalidRequestException("messages is required for " + Endpoint.CHAT.url()));
        BodyFields.require(messages.isArray(), "messages", "a list of messages", messages);
        if (messages.isEmpty()) {
            throw new InvalidRequestException("messages must not be empty");
        }
        List<ChatMessage> result = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            result.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return List.copyOf(result);
    }

    private static ChatMessage message(JsonNode message, String where) {
        BodyFields.require(message.isObject(), where, "an object with role and content", message);
        JsonNode role = message.path("role");
        if (!role.isTextual() || !ROLES.contains(role.asText())) {
            throw new InvalidRequestException(where + ".role must be one of " + ROLES + ", got " + BodyFields.shown(role));
        }
        return new ChatMessage(role.asText(), content(message.path("content"), where + ".content"));
    }

    /** A string, a list of {@code {"type": "text", "text": ...}} parts (joined by newlines), or null. */
    private static String content(JsonNode content, String where) {
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isNull() || content.isMissingNode()) {
            // An assistant turn that only called tools has no content.
            return "";
        }
        BodyFields.require(content.isArray(), where, "a string or a list of text parts", content);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                throw new InvalidRequestException(where + "[" + i + "] must be a text part "
                        + "{\"type\": \"text\", \"text\": ...} (images and audio are not supported), got "
                        + BodyFields.shown(part));
            }
            texts.add(part.path("text").asText());
        }
        return String.join("\n", texts);
    }
}
