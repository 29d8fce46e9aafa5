package io.flinfer.engine.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema into grammar rules whose language is the compact JSON texts the schema
 * accepts. Properties come in the schema's order; an object without {@code additionalProperties}
 * gets no others, and an array with {@code prefixItems} but no {@code items} no further items (the
 * strict reading xgrammar uses by default, so that a model cannot pad its answer). Every keyword
 * outside the table in docs/structured-outputs.md is refused by name: a keyword silently ignored
 * would let through outputs the client's validator rejects.
 */
final class JsonSchemaCompiler {
    static final String ROOT = "root";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "title",
            "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$defs",
            "definitions");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required",
            "additionalProperties", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "items",
            "prefixItems", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format",
            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "uniqueItems");
    private static final Map<String, String> FORMATS = Map.of(
            "date", Formats.DATE,
            "time", Formats.TIME,
            "date-time", Formats.DATE + "T" + Formats.TIME,
            "email", "[A-Za-z0-9]{1,20}(?:[._+-][A-Za-z0-9]{1,20}){0,2}@" + Formats.HOST,
            "uuid", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "uri", "https?://" + Formats.HOST + "(?:/[A-Za-z0-9._~-]*)*",
            "ipv4", Formats.OCTET + "(?:\\." + Formats.OCTET + "){3}");

    private final JsonNode root;
    private final Whitespace ws;
    private final Map<String, Expr> rules = new LinkedHashMap<>();
    private final Map<JsonNode, String> ruleOfSchema = new IdentityHashMap<>();
    private final Map<String, String> ruleOfRef = new LinkedHashMap<>();

    private JsonSchemaCompiler(JsonNode root, boolean anyWhitespace) {
        this.root = root;
        this.ws = new Whitespace(anyWhitespace);
    }

    /** The rules of {@code schema}; the start rule is {@link #ROOT}. */
    static Map<String, Expr> compile(JsonNode schema, boolean anyWhitespace) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(schema, anyWhitespace);
        c.rules.put(ROOT, Expr.empty());
        c.rules.put(ROOT, c.schema(schema, "#"));
        return c.rules;
    }

    /** Any JSON object: what {@code response_format: json_object} asks for. */
    static Map<String, Expr> anyObject(boolean anyWhitespace) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(null, anyWhitespace);
        c.rules.put(ROOT, new Expr.Call(c.anyValueRules("object")));
        return c.rules;
    }

    private Expr schema(JsonNode s, String path) {
        if (s.isBoolean()) {
            if (!s.asBoolean()) {
                throw new ConstraintException("the schema at " + path + " is false: no value is valid");
            }
            return new Expr.Call(anyValueRules("value"));
        }
        if (!s.isObject()) {
            throw new ConstraintException("the schema at " + path + " must be an object or a boolean, got " + s.getNodeType());
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYWORDS.contains(k) && !ANNOTATIONS.contains(k)) {
                throw new ConstraintException("unsupported JSON Schema keyword '" + k + "' at " + path);
            }
        }
        if (s.has("uniqueItems") && s.get("uniqueItems").asBoolean()) {
            throw new ConstraintException("unsupported JSON Schema keyword 'uniqueItems' (true) at " + path);
        }
        if (s.has("$ref")) {
            onlyWith(s, path, "$ref");
            return new Expr.Call(refRule(s.get("$ref").asText(), path));
        }
        if (s.has("allOf")) {
            return schema(mergeAllOf((ObjectNode) s, path), path);
        }
        if (s.has("const")) {
            return Expr.literal(compact(s.get("const")));
        }
        if (s.has("enum")) {
            JsonNode values = s.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw new ConstraintException("enum at " + path + " must be a non-empty array");
            }
            List<Expr> options = new ArrayList<>();
            values.forEach(v -> options.add(Expr.literal(compact(v))));
            return Expr.alt(options);
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            if (s.has(combinator)) {
                onlyWith(s, path, combinator);
                JsonNode subs = s.get(combinator);
                if (!subs.isArray() || subs.isEmpty()) {
                    throw new ConstraintException(combinator + " at " + path + " must be a non-empty array");
                }
                List<Expr> options = new ArrayList<>();
                for (int i = 0; i < subs.size(); i++) {
                    options.add(schema(subs.get(i), path + "/" + combinator + "/" + i));
                }
                return Expr.alt(options);
            }
        }
        List<String> types = types(s, path);
        if (types.isEmpty()) {
            return new Expr.Call(anyValueRules("value"));
        }
        List<Expr> options = new ArrayList<>();
        for (String type : types) {
            options.add(switch (type) {
                case "object" -> object(s, path);
                case "array" -> array(s, path);
                case "string" -> string(s, path);
                case "integer" -> integer(s, path);
                case "number" -> number(s, path);
                case "boolean" -> Expr.alt(List.of(Expr.literal("true"), Expr.literal("false")));
                case "null" -> Expr.literal("null");
                default -> throw new ConstraintException("unknown type '" + type + "' at " + path);
            });
        }
        return Expr.alt(options);
    }

    /** The schema's types: its {@code type} (a name or a list), else what its keywords imply. */
    private static List<String> types(JsonNode s, String path) {
        JsonNode type = s.get("type");
        List<String> types = new ArrayList<>();
        if (type == null) {
            if (s.has("properties") || s.has("required") || s.has("additionalProperties")) {
                types.add("object");
            }
            if (s.has("items") || s.has("prefixItems") || s.has("minItems") || s.has("maxItems")) {
                types.add("array");
            }
            if (s.has("minLength") || s.has("maxLength") || s.has("pattern") || s.has("format")) {
                types.add("string");
            }
            if (s.has("minimum") || s.has("maximum") || s.has("exclusiveMinimum") || s.has("exclusiveMaximum")) {
                types.add("number");
            }
        } else if (type.isTextual()) {
            types.add(type.asText());
        } else if (type.isArray() && !type.isEmpty()) {
            type.forEach(t -> types.add(t.asText()));
        } else {
            throw new ConstraintException("type at " + path + " must be a string or a non-empty array of strings");
        }
        return types;
    }

    private static void onlyWith(JsonNode s, String path, String keyword) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals(keyword) && !ANNOTATIONS.contains(k)) {
                throw new ConstraintException("'" + keyword + "' together with '" + k + "' at " + path
                        + " is not supported; move '" + k + "' into each alternative");
            }
        }
    }

    /** allOf of object schemas, merged into one: properties and required lists are united. */
    private static JsonNode mergeAllOf(ObjectNode s, String path) {
        ObjectNode merged = s.deepCopy();
        merged.remove("allOf");
        JsonNode subs = s.get("allOf");
        if (!subs.isArray() || subs.isEmpty()) {
            throw new ConstraintException("allOf at " + path + " must be a non-empty array");
        }
        for (JsonNode sub : subs) {
            if (!sub.isObject() || sub.has("$ref") || sub.has("allOf") || sub.has("anyOf") || sub.has("oneOf")) {
                throw new ConstraintException("allOf at " + path + " is supported for object schemas without "
                        + "$ref, allOf, anyOf or oneOf only");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = sub.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                JsonNode had = merged.get(k);
                if (k.equals("properties") && had != null) {
                    ((ObjectNode) had).setAll((ObjectNode) e.getValue().deepCopy());
                } else if (k.equals("required") && had != null) {
                    Set<String> names = new LinkedHashSet<>();
                    had.forEach(n -> names.add(n.asText()));
                    e.getValue().forEach(n -> names.add(n.asText()));
                    ArrayNode list = merged.putArray("required");
                    names.forEach(list::add);
                } else if (had != null && !had.equals(e.getValue()) && !ANNOTATIONS.contains(k)) {
                    throw new ConstraintException("allOf at " + path + " has conflicting values for '" + k + "'");
                } else {
                    merged.set(k, e.getValue().deepCopy());
                }
            }
        }
        return merged;
    }

    private Expr object(JsonNode s, String path) {
        JsonNode props = s.path("properties");
        List<String> names = new ArrayList<>();
        List<Expr> members = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            names.add(e.getKey());
            members.add(member(Expr.literal(compact(JSON.getNodeFactory().textNode(e.getKey()))),
                    e.getValue(), path + "/properties/" + e.getKey()));
        }
        Set<String> required = new LinkedHashSet<>();
        for (JsonNode r : s.path("required")) {
            if (!names.contains(r.asText())) {
                throw new ConstraintException("required property '" + r.asText() + "' at " + path
                        + " has no schema in 'properties'");
            }
            required.add(r.asText());
        }
        JsonNode additional = s.get("additionalProperties");
        Expr extra = additional == null || (additional.isBoolean() && !additional.asBoolean())
                ? null
                : member(JsonStrings.stringExcept(Set.copyOf(names)), additional, path + "/additionalProperties");
        // after[i]: members i.. when one came before (each with a leading comma); first[i]: none came yet.
        Expr after = extra == null ? Expr.empty() : Expr.star(Expr.seq(ws.comma(), extra));
        Expr first = extra == null ? Expr.empty() : Expr.optional(Expr.seq(extra, after));
        for (int i = names.size() - 1; i >= 0; i--) {
            Expr withComma = Expr.seq(ws.comma(), members.get(i));
            Expr startsHere = Expr.seq(members.get(i), after);
            if (required.contains(names.get(i))) {
                first = startsHere;
                after = Expr.seq(withComma, after);
            } else {
                first = Expr.alt(List.of(startsHere, first));
                after = Expr.seq(Expr.optional(withComma), after);
            }
        }
        return Expr.seq(ws.open("{"), first, ws.close("}"));
    }

    private Expr member(Expr key, JsonNode valueSchema, String path) {
        return Expr.seq(key, ws.colon(), value(valueSchema, path));
    }

    /** A nested schema as a call to its own rule, so that copies of the enclosing object stay small. */
    private Expr value(JsonNode s, String path) {
        String name = ruleOfSchema.get(s);
        if (name == null) {
            name = "s" + rules.size() + ":" + path;
            ruleOfSchema.put(s, name);
            rules.put(name, Expr.empty());
            rules.put(name, schema(s, path));
        }
        return new Expr.Call(name);
    }

    private Expr array(JsonNode s, String path) {
        List<Expr> prefix = new ArrayList<>();
        JsonNode prefixItems = s.path("prefixItems");
        for (int i = 0; i < prefixItems.size(); i++) {
            prefix.add(value(prefixItems.get(i), path + "/prefixItems/" + i));
        }
        JsonNode items = s.get("items");
        if (items != null && items.isArray()) {
            throw new ConstraintException("'items' as an array (draft 4-2019) at " + path + " is not supported; use prefixItems");
        }
        Expr item = items == null
                ? (prefix.isEmpty() ? new Expr.Call(anyValueRules("value")) : null)
                : (items.isBoolean() && !items.asBoolean() ? null : value(items, path + "/items"));
        int min = nonNegative(s, "minItems", 0, path);
        int max = nonNegative(s, "maxItems", Expr.UNBOUNDED, path);
        int most = item == null ? prefix.size() : Integer.MAX_VALUE;
        if (max != Expr.UNBOUNDED) {
            most = Math.min(most, max);
        }
        if (min > most) {
            throw new ConstraintException("the array at " + path + " needs at least " + min + " items but can hold " + most);
        }
        Expr elements = elements(0, prefix, item, min, max);
        return Expr.seq(ws.open("["), elements, ws.close("]"));
    }

    /** Items from index {@code i} on, {@code i > 0} meaning each needs a leading comma. */
    private Expr elements(int i, List<Expr> prefix, Expr item, int min, int max) {
        if (max != Expr.UNBOUNDED && i >= max) {
            return Expr.empty();
        }
        Expr sep = i == 0 ? Expr.empty() : ws.comma();
        if (i < prefix.size()) {
            Expr here = Expr.seq(sep, prefix.get(i), elements(i + 1, prefix, item, min, max));
            return i < min ? here : Expr.optional(here);
        }
        if (item == null) {
            return Expr.empty();
        }
        int needed = Math.max(0, min - i);
        int room = max == Expr.UNBOUNDED ? Expr.UNBOUNDED : max - i;
        if (i > 0) {
            return new Expr.Repeat(Expr.seq(ws.comma(), item), needed, room);
        }
        Expr rest = new Expr.Repeat(Expr.seq(ws.comma(), item), Math.max(0, needed - 1),
                room == Expr.UNBOUNDED ? Expr.UNBOUNDED : room - 1);
        Expr some = Expr.seq(item, rest);
        return needed > 0 ? some : Expr.optional(some);
    }

    private Expr string(JsonNode s, String path) {
        int min = nonNegative(s, "minLength", 0, path);
        int max = nonNegative(s, "maxLength", Expr.UNBOUNDED, path);
        if (max != Expr.UNBOUNDED && max < min) {
            throw new ConstraintException("maxLength < minLength at " + path);
        }
        if (Math.max(min, max) > RegexParser.MAX_REPEAT) {
            throw new ConstraintException("minLength/maxLength above " + RegexParser.MAX_REPEAT + " at " + path + " is not supported");
        }
        boolean lengths = s.has("minLength") || s.has("maxLength");
        if (s.has("pattern") || s.has("format")) {
            if (lengths || (s.has("pattern") && s.has("format"))) {
                throw new ConstraintException("'pattern' or 'format' together with minLength, maxLength or each other at "
                        + path + " is not supported");
            }
            return JsonStrings.quoted(s.has("pattern") ? pattern(s.get("pattern").asText()) : format(s.get("format").asText(), path));
        }
        return JsonStrings.string(min, max);
    }

    /** A pattern matches anywhere in the string unless anchored, as JSON Schema says. */
    private static Expr pattern(String regex) {
        RegexParser.Parsed p = RegexParser.parse(regex, JsonStrings::character);
        Expr any = Expr.star(JsonStrings.character(CharClass.ALL));
        return Expr.seq(p.anchoredStart() ? Expr.empty() : any, p.expr(), p.anchoredEnd() ? Expr.empty() : any);
    }

    private static Expr format(String name, String path) {
        String regex = FORMATS.get(name);
        if (regex == null) {
            throw new ConstraintException("unsupported format '" + name + "' at " + path + "; supported: "
                    + String.join(", ", new java.util.TreeSet<>(FORMATS.keySet())));
        }
        return RegexParser.parse(regex, JsonStrings::character).expr();
    }

    private Expr integer(JsonNode s, String path) {
        BigInteger min = bound(s, "minimum", path, RoundingMode.CEILING, 0);
        BigInteger exclusiveMin = bound(s, "exclusiveMinimum", path, RoundingMode.CEILING, 1);
        BigInteger max = bound(s, "maximum", path, RoundingMode.FLOOR, 0);
        BigInteger exclusiveMax = bound(s, "exclusiveMaximum", path, RoundingMode.FLOOR, -1);
        return IntegerRanges.of(tighter(min, exclusiveMin, 1), tighter(max, exclusiveMax, -1));
    }

    private static BigInteger tighter(BigInteger a, BigInteger b, int sign) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a.compareTo(b) * sign >= 0 ? a : b;
    }

    /** An integer bound, rounded into the integers; exclusive bounds moved by one. */
    private static BigInteger bound(JsonNode s, String keyword, String path, RoundingMode rounding, int shift) {
        JsonNode v = s.get(keyword);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw new ConstraintException(keyword + " at " + path + " must be a number (the boolean form of draft 4 is not supported)");
        }
        BigDecimal d = v.decimalValue();
        BigInteger rounded = d.setScale(0, rounding).toBigInteger();
        boolean integral = d.stripTrailingZeros().scale() <= 0;
        return shift == 0 || !integral ? rounded : rounded.add(BigInteger.valueOf(shift));
    }

    private Expr number(JsonNode s, String path) {
        for (String k : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
            if (s.has(k) && !(k.equals("minimum") && s.get(k).isNumber() && s.get(k).decimalValue().signum() == 0)) {
                throw new ConstraintException("'" + k + "' on type number at " + path
                        + " is not supported (only minimum: 0); bounds work on type integer");
            }
        }
        Expr digits = Expr.seq(new Expr.Bytes('0', '9'), Expr.star(new Expr.Bytes('0', '9')));
        Expr integerPart = Expr.alt(List.of(Expr.literal("0"),
                Expr.seq(new Expr.Bytes('1', '9'), Expr.star(new Expr.Bytes('0', '9')))));
        Expr fraction = Expr.optional(Expr.seq(Expr.literal("."), digits));
        Expr exponent = Expr.optional(Expr.seq(Expr.alt(List.of(Expr.literal("e"), Expr.literal("E"))),
                Expr.optional(Expr.alt(List.of(Expr.literal("+"), Expr.literal("-")))), digits));
        Expr sign = s.has("minimum") ? Expr.empty() : Expr.optional(Expr.literal("-"));
        return Expr.seq(sign, integerPart, fraction, exponent);
    }

    private static int nonNegative(JsonNode s, String keyword, int absent, String path) {
        JsonNode v = s.get(keyword);
        if (v == null) {
            return absent;
        }
        if (!v.canConvertToExactIntegral() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE) {
            throw new ConstraintException(keyword + " at " + path + " must be a non-negative integer, got " + v);
        }
        return v.asInt();
    }

    private String refRule(String ref, String path) {
        String name = ruleOfRef.get(ref);
        if (name != null) {
            return name;
        }
        if (!ref.startsWith("#")) {
            throw new ConstraintException("$ref '" + ref + "' at " + path + " is not supported: only references inside the schema (#/...)");
        }
        JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw new ConstraintException("$ref '" + ref + "' at " + path + " points to nothing in the schema");
        }
        name = "ref:" + ref;
        ruleOfRef.put(ref, name);
        rules.put(name, Expr.empty());
        rules.put(name, schema(target, ref));
        return name;
    }

    /** Rules for any JSON value; returns the name of the one asked for ("value", "object" or "array"). */
    private String anyValueRules(String which) {
        if (!rules.containsKey("any:value")) {
            Expr value = new Expr.Call("any:value");
            rules.put("any:value", Expr.alt(List.of(new Expr.Call("any:object"), new Expr.Call("any:array"),
                    JsonStrings.string(0, Expr.UNBOUNDED), number(JSON.createObjectNode(), "#"),
                    Expr.literal("true"), Expr.literal("false"), Expr.literal("null"))));
            Expr member = Expr.seq(JsonStrings.string(0, Expr.UNBOUNDED), ws.colon(), value);
            rules.put("any:object", Expr.seq(ws.open("{"),
                    Expr.optional(Expr.seq(member, Expr.star(Expr.seq(ws.comma(), member)))), ws.close("}")));
            rules.put("any:array", Expr.seq(ws.open("["),
                    Expr.optional(Expr.seq(value, Expr.star(Expr.seq(ws.comma(), value)))), ws.close("]")));
        }
        return "any:" + which;
    }

    private static String compact(JsonNode value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConstraintException("cannot write " + value + " as JSON: " + e.getMessage());
        }
    }

    /** Separators: bare by default; with any whitespace, runs of spaces, tabs and newlines around them. */
    private record Whitespace(boolean any) {
        Expr space() {
            return any ? Expr.star(Expr.alt(List.of(Expr.literal(" "), Expr.literal("\n"), Expr.literal("\t"))))
                    : Expr.empty();
        }

        Expr comma() {
            return Expr.seq(space(), Expr.literal(","), space());
        }

        Expr colon() {
            return Expr.seq(space(), Expr.literal(":"), space());
        }

        Expr open(String bracket) {
            return Expr.seq(Expr.literal(bracket), space());
        }

        Expr close(String bracket) {
            return Expr.seq(space(), Expr.literal(bracket));
        }
    }

    /** Regexes of the supported formats (ASCII, so they need no escaping inside a JSON string). */
    private static final class Formats {
        static final String DATE = "[1-9]\\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
                + "|(?:0[13578]|1[02])-31)";
        // Offsets within +-18:00, which java.time (behind validators) accepts; not -00:00 ("unknown offset").
        static final String TIME = "(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,6})?(?:Z|\\+(?:0\\d|1[0-7]):[0-5]\\d|-(?:0[1-9]|1[0-7]):[0-5]\\d)";
        // Within RFC 1034's limits (labels <= 63, names <= 253), no "--" (IDNA reserves it).
        static final String LABEL = "[a-z0-9]{1,20}(?:-[a-z0-9]{1,20}){0,2}";
        // Validators check the top-level domain against the IANA list, so only well-known ones.
        static final String HOST = LABEL + "(?:\\." + LABEL + "){0,2}\\.(?:com|org|net|io|dev|edu)";
        static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    }
}
