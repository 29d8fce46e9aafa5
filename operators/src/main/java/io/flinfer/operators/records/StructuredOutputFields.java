package io.flinfer.operators.records;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinfer.engine.sampling.StructuredOutput;
import io.flinfer.engine.structured.ConstraintException;
import io.flinfer.engine.structured.GrammarCompiler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a request's output constraint from the fields clients send: OpenAI's {@code response_format}
 * ({@code text}, {@code json_object}, {@code json_schema}), vLLM's {@code structured_outputs}
 * ({@code json}, {@code regex}, {@code choice}, {@code grammar}, {@code json_object}) and vLLM's older
 * {@code guided_json}, {@code guided_regex}, {@code guided_choice}, {@code guided_grammar}. The
 * constraint is compiled here once, so that a bad one becomes a 400 for its record and never reaches
 * the engine; compiled checks are remembered for the next requests with the same constraint.
 */
final class StructuredOutputFields {
    private static final Set<String> STRUCTURED_KEYS = Set.of("json", "regex", "choice", "grammar", "json_object",
            "disable_any_whitespace");
    private static final int CHECKED_CACHE_SIZE = 256;
    /** Constraints already compiled, with their error message ("" when fine). */
    private static final Map<StructuredOutput, String> CHECKED = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<StructuredOutput, String> eldest) {
            return size() > CHECKED_CACHE_SIZE;
        }
    };

    private StructuredOutputFields() {}

    /** The request's constraint, checked; null when it asks for none. */
    static StructuredOutput read(BodyFields body) {
        Map<String, StructuredOutput> found = new LinkedHashMap<>();
        body.node("response_format").map(StructuredOutputFields::responseFormat).ifPresent(c -> found.put("response_format", c));
        body.node("structured_outputs").map(StructuredOutputFields::structuredOutputs).ifPresent(c -> found.put("structured_outputs", c));
        body.node("guided_json").ifPresent(v -> found.put("guided_json", jsonSchema(v, "guided_json", false)));
        body.node("guided_regex").ifPresent(v -> found.put("guided_regex", regex(v, "guided_regex")));
        body.node("guided_choice").ifPresent(v -> found.put("guided_choice", choice(v, "guided_choice")));
        body.node("guided_grammar").ifPresent(v -> found.put("guided_grammar", grammar(v, "guided_grammar")));
        if (found.size() > 1) {
            throw new InvalidRequestException("a request takes one output constraint, got " + String.join(" and ", found.keySet()));
        }
        if (found.isEmpty()) {
            return null;
        }
        StructuredOutput constraint = found.values().iterator().next();
        check(constraint);
        return constraint;
    }

    private static StructuredOutput responseFormat(JsonNode v) {
        BodyFields.require(v.isObject(), "response_format", "an object", v);
        String type = v.path("type").asText("");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> StructuredOutput.jsonObject();
            case "json_schema" -> {
                JsonNode schema = v.path("json_schema").path("schema");
                BodyFields.require(schema.isObject() || schema.isBoolean(), "response_format.json_schema.schema",
                        "a JSON Schema object", schema);
                yield jsonSchema(schema, "response_format.json_schema.schema", false);
            }
            default -> throw new InvalidRequestException("unknown response_format.type " + BodyFields.shown(v.path("type"))
                    + "; expected text, json_object or json_schema");
        };
    }

    private static StructuredOutput structuredOutputs(JsonNode v) {
        BodyFields.require(v.isObject(), "structured_outputs", "an object", v);
        List<String> kinds = new ArrayList<>();
        for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!STRUCTURED_KEYS.contains(k)) {
                throw new InvalidRequestException("structured_outputs." + k + " is not supported; use json, regex, "
                        + "choice, grammar or json_object (and disable_any_whitespace)");
            }
            if (!k.equals("disable_any_whitespace") && !v.get(k).isNull()) {
                kinds.add(k);
            }
        }
        if (kinds.size() != 1) {
            throw new InvalidRequestException("structured_outputs needs exactly one of json, regex, choice, grammar or "
                    + "json_object, got " + (kinds.isEmpty() ? "none" : String.join(" and ", kinds)));
        }
        JsonNode ws = v.path("disable_any_whitespace");
        BodyFields.require(ws.isMissingNode() || ws.isNull() || ws.isBoolean(), "structured_outputs.disable_any_whitespace", "a boolean", ws);
        boolean anyWhitespace = ws.isBoolean() && !ws.asBoolean();
        String kind = kinds.get(0);
        JsonNode spec = v.get(kind);
        return switch (kind) {
            case "json" -> jsonSchema(spec, "structured_outputs.json", anyWhitespace);
            case "regex" -> regex(spec, "structured_outputs.regex");
            case "choice" -> choice(spec, "structured_outputs.choice");
            case "grammar" -> grammar(spec, "structured_outputs.grammar");
            default -> new StructuredOutput(StructuredOutput.Kind.JSON_OBJECT, "", anyWhitespace);
        };
    }

    /** A schema as a JSON object, or as a string holding one (vLLM accepts both). */
    private static StructuredOutput jsonSchema(JsonNode v, String field, boolean anyWhitespace) {
        BodyFields.require(v.isObject() || v.isBoolean() || v.isTextual(), field, "a JSON Schema (an object or its JSON text)", v);
        return new StructuredOutput(StructuredOutput.Kind.JSON_SCHEMA, v.isTextual() ? v.asText() : v.toString(), anyWhitespace);
    }

    private static StructuredOutput regex(JsonNode v, String field) {
        BodyFields.require(v.isTextual(), field, "a string", v);
        return StructuredOutput.regex(v.asText());
    }

    private static StructuredOutput choice(JsonNode v, String field) {
        BodyFields.require(v.isArray() && !v.isEmpty(), field, "a non-empty list of strings", v);
        v.forEach(c -> BodyFields.require(c.isTextual(), field, "a list of strings", v));
        return new StructuredOutput(StructuredOutput.Kind.CHOICE, v.toString(), false);
    }

    private static StructuredOutput grammar(JsonNode v, String field) {
        BodyFields.require(v.isTextual(), field, "a string", v);
        return new StructuredOutput(StructuredOutput.Kind.GRAMMAR, v.asText(), false);
    }

    private static void check(StructuredOutput constraint) {
        String error;
        synchronized (CHECKED) {
            error = CHECKED.get(constraint);
        }
        if (error == null) {
            try {
                GrammarCompiler.compile(constraint);
                error = "";
            } catch (ConstraintException e) {
                error = e.getMessage();
            }
            synchronized (CHECKED) {
                CHECKED.put(constraint, error);
            }
        }
        if (!error.isEmpty()) {
            throw new InvalidRequestException(error);
        }
    }
}
