package io.flinfer.engine.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.SplittableRandom;

/** Random JSON Schemas over the supported keywords, nested up to a depth, with {@code $defs} and {@code $ref}s. */
final class RandomSchemas {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FORMATS = List.of("date", "time", "date-time", "email", "uuid", "uri", "ipv4");
    private static final List<String> NAMES = List.of("a", "name", "id", "x", "the", "ab", "abc", "日本", "e\"q");

    private final SplittableRandom random;
    private final ObjectNode defs = JSON.createObjectNode();

    private RandomSchemas(SplittableRandom random) {
        this.random = random;
    }

    static JsonNode generate(SplittableRandom random) {
        RandomSchemas g = new RandomSchemas(random);
        ObjectNode root = (ObjectNode) g.schema(3);
        if (!g.defs.isEmpty()) {
            root.set("$defs", g.defs);
        }
        return root;
    }

    private JsonNode schema(int depth) {
        int kind = random.nextInt(depth > 0 ? 11 : 6);
        ObjectNode s = JSON.createObjectNode();
        switch (kind) {
            case 0 -> {
                s.put("type", "string");
                int min = random.nextInt(3);
                if (random.nextBoolean()) {
                    s.put("minLength", min);
                }
                if (random.nextBoolean()) {
                    s.put("maxLength", min + random.nextInt(4));
                }
            }
            case 1 -> {
                s.put("type", "integer");
                long lo = random.nextLong(-1000, 1000);
                if (random.nextBoolean()) {
                    s.put(random.nextBoolean() ? "minimum" : "exclusiveMinimum", lo);
                }
                if (random.nextBoolean()) {
                    s.put(random.nextBoolean() ? "maximum" : "exclusiveMaximum", lo + 2 + random.nextInt(5000));
                }
            }
            case 2 -> s.set("type", random.nextBoolean() ? JSON.valueToTree("number")
                    : JSON.valueToTree(List.of("boolean", "null", "integer")));
            case 3 -> {
                ArrayNode values = s.putArray("enum");
                values.add("red").add(42).add(JSON.createObjectNode().put("k", true)).addNull();
            }
            case 4 -> {
                s.put("type", "string");
                if (random.nextBoolean()) {
                    s.put("format", FORMATS.get(random.nextInt(FORMATS.size())));
                } else {
                    s.put("pattern", random.nextBoolean() ? "^[a-c]{1,3}(-\\d)?$" : "ab+");
                }
            }
            case 5 -> s.set("const", JSON.valueToTree(List.of(1, "two", false)));
            case 6, 7 -> object(s, depth);
            case 8 -> array(s, depth);
            case 9 -> {
                ArrayNode options = s.putArray(random.nextBoolean() ? "anyOf" : "oneOf");
                // Distinct types, so that oneOf (compiled as anyOf) matches exactly one branch.
                options.add(JSON.createObjectNode().put("type", "string").put("maxLength", 3));
                options.add(object(JSON.createObjectNode(), depth - 1));
                options.add(JSON.createObjectNode().put("type", "null"));
            }
            default -> {
                String name = "d" + defs.size();
                defs.putNull(name); // taken before the nested schema can name its own definitions
                defs.set(name, schema(depth - 1));
                s.put("$ref", "#/$defs/" + name);
            }
        }
        return s;
    }

    private ObjectNode object(ObjectNode s, int depth) {
        s.put("type", "object");
        ObjectNode props = s.putObject("properties");
        ArrayNode required = JSON.createArrayNode();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            String name = NAMES.get(random.nextInt(NAMES.size()));
            props.set(name, schema(depth - 1));
            if (random.nextBoolean() && !containsText(required, name)) {
                required.add(name);
            }
        }
        if (!required.isEmpty()) {
            s.set("required", required);
        }
        int extra = random.nextInt(4);
        if (extra == 1) {
            s.put("additionalProperties", false);
        } else if (extra == 2) {
            s.set("additionalProperties", JSON.createObjectNode().put("type", "integer"));
        }
        return s;
    }

    private void array(ObjectNode s, int depth) {
        s.put("type", "array");
        if (random.nextInt(3) == 0) {
            ArrayNode prefix = s.putArray("prefixItems");
            prefix.add(schema(depth - 1)).add(JSON.createObjectNode().put("type", "boolean"));
        }
        if (random.nextBoolean()) {
            s.set("items", schema(depth - 1));
        }
        int min = random.nextInt(3);
        if (random.nextBoolean()) {
            s.put("minItems", min);
        }
        if (random.nextBoolean()) {
            s.put("maxItems", min + random.nextInt(3));
        }
        if (!s.has("items") && s.has("prefixItems") && s.path("minItems").asInt(0) > 2) {
            s.put("minItems", 2);
        }
    }

    private static boolean containsText(ArrayNode list, String name) {
        for (JsonNode n : list) {
            if (n.asText().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
