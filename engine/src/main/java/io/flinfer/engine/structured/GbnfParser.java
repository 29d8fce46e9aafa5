package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses a GBNF grammar, the EBNF dialect of llama.cpp that vLLM and xgrammar accept, into named
 * rules: {@code name ::= alternatives}, starting at {@code root}; string literals with escapes,
 * character classes ({@code [a-z]}, {@code [^"\\]}), {@code .} (any character), rule references,
 * groups, {@code |}, and {@code * + ? {m} {m,} {m,n} {,n}}; {@code #} comments. Newlines are spaces:
 * a rule ends where the next {@code name ::=} begins. Characters are matched as their UTF-8 bytes.
 */
final class GbnfParser {
    static final String ROOT = "root";

    private final int[] text;
    private int pos;
    private final Map<String, Expr> rules = new LinkedHashMap<>();
    private final Set<String> referenced = new LinkedHashSet<>();

    private GbnfParser(String grammar) {
        this.text = grammar.codePoints().toArray();
    }

    /** The grammar's rules by name, {@value #ROOT} among them. */
    static Map<String, Expr> parse(String grammar) {
        GbnfParser p = new GbnfParser(grammar);
        p.rules();
        if (!p.rules.containsKey(ROOT)) {
            throw new ConstraintException("the grammar has no 'root' rule, where generation starts");
        }
        for (String name : p.referenced) {
            if (!p.rules.containsKey(name)) {
                throw new ConstraintException("the grammar uses rule '" + name + "' but does not define it");
            }
        }
        return p.rules;
    }

    private void rules() {
        skipSpace();
        while (pos < text.length) {
            String name = name();
            if (name.isEmpty()) {
                throw error("a rule name");
            }
            skipSpace();
            if (!eat("::=")) {
                throw error("'::=' after the rule name '" + name + "'");
            }
            Expr body = alternation();
            if (rules.put(name, body) != null) {
                throw new ConstraintException("the grammar defines rule '" + name + "' twice");
            }
            skipSpace();
        }
    }

    private Expr alternation() {
        List<Expr> options = new ArrayList<>();
        options.add(sequence());
        while (peek() == '|') {
            pos++;
            options.add(sequence());
        }
        return Expr.alt(options);
    }

    private Expr sequence() {
        List<Expr> parts = new ArrayList<>();
        while (true) {
            skipSpace();
            int c = peek();
            if (c < 0 || c == '|' || c == ')' || startsRule()) {
                return parts.size() == 1 ? parts.get(0) : new Expr.Seq(parts);
            }
            parts.add(quantified(atom()));
        }
    }

    private Expr atom() {
        int c = peek();
        if (c == '"') {
            pos++;
            StringBuilder literal = new StringBuilder();
            while (peek() != '"') {
                if (peek() < 0) {
                    throw error("the closing '\"' of a string");
                }
                literal.appendCodePoint(character());
            }
            pos++;
            return Expr.literal(literal.toString());
        }
        if (c == '[') {
            pos++;
            return Utf8Ranges.of(charClass());
        }
        if (c == '(') {
            pos++;
            Expr group = alternation();
            skipSpace();
            if (!eat(")")) {
                throw error("')'");
            }
            return group;
        }
        if (c == '.') {
            pos++;
            return Utf8Ranges.of(CharClass.ALL);
        }
        String name = name();
        if (name.isEmpty()) {
            throw error("a string, a character class, a group or a rule name");
        }
        referenced.add(name);
        return new Expr.Call(name);
    }

    private CharClass charClass() {
        boolean negated = eat("^");
        List<int[]> pairs = new ArrayList<>();
        while (peek() != ']') {
            if (peek() < 0) {
                throw error("the closing ']' of a character class");
            }
            int lo = character();
            int hi = lo;
            if (peek() == '-' && pos + 1 < text.length && text[pos + 1] != ']') {
                pos++;
                hi = character();
                if (hi < lo) {
                    throw error("a range whose end is not below its start");
                }
            }
            pairs.add(new int[] {lo, hi});
        }
        pos++;
        CharClass chars = CharClass.union(pairs);
        return negated ? chars.complement() : chars;
    }

    /** One character of a string or class, escapes decoded. */
    private int character() {
        int c = text[pos++];
        if (c != '\\') {
            return c;
        }
        if (pos >= text.length) {
            throw error("a character after '\\'");
        }
        int e = text[pos++];
        return switch (e) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'x' -> hex(2);
            case 'u' -> hex(4);
            case 'U' -> hex(8);
            case '\\', '"', '[', ']', '-', '^', '/' -> e;
            default -> throw error("a known escape (\\n \\r \\t \\xHH \\uHHHH \\UHHHHHHHH \\\\ \\\" \\[ \\] \\- \\^), not '\\"
                    + Character.toString(e) + "'");
        };
    }

    private Expr quantified(Expr atom) {
        skipInlineSpace();
        int c = peek();
        if (c == '*' || c == '+' || c == '?') {
            pos++;
            return new Expr.Repeat(atom, c == '+' ? 1 : 0, c == '?' ? 1 : Expr.UNBOUNDED);
        }
        if (c != '{') {
            return atom;
        }
        pos++;
        skipInlineSpace();
        int min = Character.isDigit(peek()) ? number() : 0;
        int max = min;
        skipInlineSpace();
        if (eat(",")) {
            skipInlineSpace();
            max = Character.isDigit(peek()) ? number() : Expr.UNBOUNDED;
        }
        skipInlineSpace();
        if (!eat("}")) {
            throw error("'}' closing a repetition");
        }
        if (max != Expr.UNBOUNDED && max < min) {
            throw error("a repetition {m,n} with m <= n");
        }
        return new Expr.Repeat(atom, min, max);
    }

    private int number() {
        int start = pos;
        while (Character.isDigit(peek())) {
            pos++;
        }
        String digits = new String(text, start, pos - start);
        if (digits.length() > 4 || Integer.parseInt(digits) > RegexParser.MAX_REPEAT) {
            throw new ConstraintException("a repetition count above " + RegexParser.MAX_REPEAT + " in the grammar");
        }
        return Integer.parseInt(digits);
    }

    private int hex(int digits) {
        if (pos + digits > text.length) {
            throw error(digits + " hex digits");
        }
        String hex = new String(text, pos, digits);
        pos += digits;
        try {
            int c = Integer.parseInt(hex, 16);
            if (c > CharClass.MAX) {
                throw error("a code point up to 10FFFF");
            }
            return c;
        } catch (NumberFormatException e) {
            throw error(digits + " hex digits, not '" + hex + "'");
        }
    }

    /** Whether a rule definition ({@code name ::=}) starts here: it ends the sequence before it. */
    private boolean startsRule() {
        int saved = pos;
        try {
            if (name().isEmpty()) {
                return false;
            }
            skipSpace();
            return eat("::=");
        } finally {
            pos = saved;
        }
    }

    private String name() {
        int start = pos;
        while (pos < text.length && isNameChar(text[pos])) {
            pos++;
        }
        return new String(text, start, pos - start);
    }

    private static boolean isNameChar(int c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.');
    }

    private boolean eat(String token) {
        int[] t = token.codePoints().toArray();
        if (pos + t.length > text.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            if (text[pos + i] != t[i]) {
                return false;
            }
        }
        pos += t.length;
        return true;
    }

    private int peek() {
        return pos < text.length ? text[pos] : -1;
    }

    private void skipSpace() {
        while (pos < text.length) {
            int c = text[pos];
            if (c == '#') {
                while (pos < text.length && text[pos] != '\n') {
                    pos++;
                }
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private void skipInlineSpace() {
        while (peek() == ' ' || peek() == '\t') {
            pos++;
        }
    }

    private ConstraintException error(String expected) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(pos, text.length); i++) {
            if (text[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new ConstraintException("bad grammar at line " + line + ", column " + column + ": expected " + expected);
    }
}
