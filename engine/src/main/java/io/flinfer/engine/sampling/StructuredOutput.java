package io.flinfer.engine.sampling;

import java.util.Objects;

/**
 * A constraint on a request's output, as the client asked for it: vLLM's {@code structured_outputs}
 * and OpenAI's {@code response_format} both come down to one of these. Plain data: the engine's
 * {@code io.flinfer.engine.structured} package compiles it.
 *
 * @param kind what {@code spec} is
 * @param spec the JSON Schema (JSON text), the regex, the choices (a JSON array of strings), or the
 *     grammar; empty for {@link Kind#JSON_OBJECT}
 * @param anyWhitespace whether JSON may have whitespace between its tokens (compact by default)
 */
public record StructuredOutput(Kind kind, String spec, boolean anyWhitespace) {
    public enum Kind { JSON_SCHEMA, JSON_OBJECT, REGEX, CHOICE, GRAMMAR }

    public StructuredOutput {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(spec, "spec");
    }

    public static StructuredOutput jsonSchema(String schema) {
        return new StructuredOutput(Kind.JSON_SCHEMA, schema, false);
    }

    public static StructuredOutput jsonObject() {
        return new StructuredOutput(Kind.JSON_OBJECT, "", false);
    }

    public static StructuredOutput regex(String regex) {
        return new StructuredOutput(Kind.REGEX, regex, false);
    }
}
