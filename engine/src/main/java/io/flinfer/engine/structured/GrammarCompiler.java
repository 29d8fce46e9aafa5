package io.flinfer.engine.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.sampling.StructuredOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compiles a {@link StructuredOutput} into a {@link Grammar}; bad constraints throw {@link ConstraintException}. */
public final class GrammarCompiler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = "root";

    private GrammarCompiler() {}

    public static Grammar compile(StructuredOutput constraint) {
        return compile(constraint, true);
    }

    /** @param minimalBodies false for the slower reference construction ({@link Grammar#of(Map, String, boolean)}) */
    static Grammar compile(StructuredOutput constraint, boolean minimalBodies) {
        return switch (constraint.kind()) {
            case JSON_SCHEMA -> Grammar.of(JsonSchemaCompiler.compile(parse(constraint.spec(), "JSON schema"),
                    constraint.anyWhitespace()), JsonSchemaCompiler.ROOT, minimalBodies);
            case JSON_OBJECT -> Grammar.of(JsonSchemaCompiler.anyObject(constraint.anyWhitespace()),
                    JsonSchemaCompiler.ROOT, minimalBodies);
            case REGEX -> single(RegexParser.parse(constraint.spec(), Utf8Ranges::of).expr(), minimalBodies);
            case CHOICE -> single(choices(constraint.spec()), minimalBodies);
            case GRAMMAR -> Grammar.of(GbnfParser.parse(constraint.spec()), GbnfParser.ROOT, minimalBodies);
        };
    }

    private static Grammar single(Expr expr, boolean minimalBodies) {
        Map<String, Expr> rules = new LinkedHashMap<>();
        rules.put(ROOT, expr);
        return Grammar.of(rules, ROOT, minimalBodies);
    }

    private static Expr choices(String spec) {
        JsonNode list = parse(spec, "choice list");
        if (!list.isArray() || list.isEmpty()) {
            throw new ConstraintException("choice must be a non-empty list of strings");
        }
        List<Expr> options = new ArrayList<>();
        for (JsonNode c : list) {
            if (!c.isTextual()) {
                throw new ConstraintException("choice must be a list of strings, got " + c);
            }
            options.add(Expr.literal(c.asText()));
        }
        return Expr.alt(options);
    }

    private static JsonNode parse(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConstraintException("the " + what + " is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
