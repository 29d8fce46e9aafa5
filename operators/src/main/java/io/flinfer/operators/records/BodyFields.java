package io.flinfer.operators.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Typed access to the optional fields of a request body. An absent field and an explicit
 * {@code null} both mean "use the default", as in the OpenAI API; a value of the wrong type is an
 * {@link InvalidRequestException} that names the field and shows the value.
 */
final class BodyFields {
    private static final int MAX_SHOWN_VALUE_CHARS = 60;

    private final ObjectNode body;

    BodyFields(ObjectNode body) {
        this.body = body;
    }

    /** The field's value, or empty when absent or null. */
    Optional<JsonNode> node(String name) {
        JsonNode value = body.get(name);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    Optional<Double> number(String name) {
        return node(name).map(v -> {
            require(v.isNumber(), name, "a number", v);
            return v.asDouble();
        });
    }

    Optional<Integer> integer(String name) {
        return node(name).map(v -> {
            require(isIntegral(v) && v.canConvertToInt(), name, "an integer", v);
            return v.asInt();
        });
    }

    Optional<Long> longInteger(String name) {
        return node(name).map(v -> {
            require(isIntegral(v) && v.canConvertToLong(), name, "an integer", v);
            return v.asLong();
        });
    }

    Optional<Boolean> bool(String name) {
        return node(name).map(v -> {
            require(v.isBoolean(), name, "true or false", v);
            return v.asBoolean();
        });
    }

    Optional<String> string(String name) {
        return node(name).map(v -> {
            require(v.isTextual(), name, "a string", v);
            return v.asText();
        });
    }

    /** A string or a list of strings (like {@code stop}); empty list when absent. */
    List<String> stringOrStrings(String name) {
        Optional<JsonNode> value = node(name);
        if (value.isEmpty()) {
            return List.of();
        }
        JsonNode v = value.get();
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        require(v.isArray(), name, "a string or a list of strings", v);
        List<String> strings = new ArrayList<>();
        for (JsonNode item : v) {
            require(item.isTextual(), name, "a string or a list of strings", v);
            strings.add(item.asText());
        }
        return strings;
    }

    /** A list of integers (like {@code stop_token_ids}); empty list when absent. */
    List<Integer> integers(String name) {
        Optional<JsonNode> value = node(name);
        if (value.isEmpty()) {
            return List.of();
        }
        JsonNode v = value.get();
        require(v.isArray(), name, "a list of integers", v);
        List<Integer> ints = new ArrayList<>();
        for (JsonNode item : v) {
            require(isIntegral(item) && item.canConvertToInt(), name, "a list of integers", v);
            ints.add(item.asInt());
        }
        return ints;
    }

    /** JSON has one number type; 5.0 is as good an integer as 5 (pydantic agrees). */
    private static boolean isIntegral(JsonNode v) {
        return v.isNumber() && v.canConvertToExactIntegral();
    }

    static void require(boolean ok, String name, String expected, JsonNode actual) {
        if (!ok) {
            throw new InvalidRequestException(name + " must be " + expected + ", got " + shown(actual));
        }
    }

    static String shown(JsonNode value) {
        if (value.isMissingNode()) {
            return "nothing";
        }
        String text = value.toString();
        return text.length() <= MAX_SHOWN_VALUE_CHARS
                ? text
                : text.substring(0, MAX_SHOWN_VALUE_CHARS) + "...";
    }
}
