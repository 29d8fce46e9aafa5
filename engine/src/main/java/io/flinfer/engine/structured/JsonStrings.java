package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * JSON string contents as bytes: printable characters as themselves (UTF-8), {@code "} and
 * {@code \} as {@code \"} and {@code \\}, control characters as {@code \\u00XX} or their short
 * escape. No other character is ever written as a {@code \\u} escape, so a string's length is what
 * a JSON parser counts, and a property name has one spelling (what keeps extra properties from
 * repeating a listed one).
 */
final class JsonStrings {
    private static final CharClass SPECIAL = CharClass.of(0, 0x1F).or(CharClass.single('"'))
            .or(CharClass.single('\\'));

    private JsonStrings() {}

    /** One character of {@code chars}, as it is written inside a JSON string. */
    static Expr character(CharClass chars) {
        List<Expr> options = new ArrayList<>();
        CharClass plain = chars.minus(SPECIAL);
        if (!plain.isEmpty()) {
            options.add(Utf8Ranges.of(plain));
        }
        CharClass special = chars.and(SPECIAL);
        CharClass controls = CharClass.of(0, 0x1F);
        if (special.and(controls).ranges.length == 2 && special.contains(0) && special.contains(0x1F)) {
            // Every control character: one u00XX pattern instead of 32 literals (and the short forms).
            options.add(Expr.seq(Expr.literal("\\u00"), new Expr.Bytes('0', '1'),
                    Expr.alt(List.of(new Expr.Bytes('0', '9'), new Expr.Bytes('a', 'f')))));
            for (int c : new int[] {'\n', '\r', '\t', '\b', '\f'}) {
                options.add(Expr.literal(escape(c)));
            }
            special = special.minus(controls);
        }
        for (int[] p : special.pairs()) {
            for (int c = p[0]; c <= p[1]; c++) {
                options.add(Expr.literal(escape(c)));
            }
        }
        return Expr.alt(options);
    }

    static String escape(int c) {
        return switch (c) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            default -> c < 0x20 ? String.format("\\u%04x", c) : Character.toString(c);
        };
    }

    /** A quoted string of {@code min} to {@code max} characters (max {@link Expr#UNBOUNDED} for none). */
    static Expr string(int min, int max) {
        return quoted(new Expr.Repeat(character(CharClass.ALL), min, max));
    }

    static Expr quoted(Expr contents) {
        return Expr.seq(Expr.literal("\""), contents, Expr.literal("\""));
    }

    /**
     * A quoted string other than every one of {@code excluded}: the names an object's extra
     * properties must not repeat. Built on the names' trie: a string leaves it by a character no name
     * continues with, or ends at a node no name ends at.
     */
    static Expr stringExcept(Set<String> excluded) {
        Node root = new Node();
        for (String name : excluded) {
            Node n = root;
            for (int c : name.codePoints().toArray()) {
                n = n.children.computeIfAbsent(c, k -> new Node());
            }
            n.end = true;
        }
        return quoted(except(root));
    }

    private static Expr except(Node node) {
        List<Expr> options = new ArrayList<>();
        if (!node.end) {
            options.add(Expr.empty());
        }
        List<int[]> taken = new ArrayList<>();
        for (var child : node.children.entrySet()) {
            taken.add(new int[] {child.getKey(), child.getKey()});
            options.add(Expr.seq(character(CharClass.single(child.getKey())), except(child.getValue())));
        }
        CharClass others = taken.isEmpty() ? CharClass.ALL : CharClass.union(taken).complement();
        options.add(Expr.seq(character(others), Expr.star(character(CharClass.ALL))));
        return Expr.alt(options);
    }

    private static final class Node {
        final TreeMap<Integer, Node> children = new TreeMap<>();
        boolean end;
    }
}
