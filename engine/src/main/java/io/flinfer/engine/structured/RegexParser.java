package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Parses the regex dialect that JSON Schema {@code pattern}s and vLLM's {@code regex} constraints use
 * in practice (ECMAScript/Python without the context-sensitive parts) into an {@link Expr}.
 * Supported: literals, {@code .}, classes with ranges and negation, {@code \d \w \s} and their
 * negations, {@code \t \n \r \f \v \xHH \\uHHHH}, groups (capturing, {@code (?:)}, named), {@code |},
 * {@code * + ? {n} {n,} {n,m}} (lazy and possessive suffixes change nothing here: every match is
 * allowed), and {@code ^}/{@code $} at the ends. Backreferences, lookaround and word boundaries
 * cannot be expressed by an automaton and are refused by name.
 */
final class RegexParser {
    /** Repetition counts above this are refused: each repetition is a copy of the automaton. */
    static final int MAX_REPEAT = 1000;
    private static final CharClass DIGIT = CharClass.of('0', '9');
    private static final CharClass WORD = CharClass.union(List.of(
            new int[] {'0', '9'}, new int[] {'A', 'Z'}, new int[] {'a', 'z'}, new int[] {'_', '_'}));
    private static final CharClass SPACE = CharClass.union(List.of(
            new int[] {'\t', '\r'}, new int[] {' ', ' '}));

    /** The parsed pattern and which ends it anchors. */
    record Parsed(Expr expr, boolean anchoredStart, boolean anchoredEnd) {}

    private final String pattern;
    private final int[] cps;
    private final Function<CharClass, Expr> encode;
    private int pos;

    private RegexParser(String pattern, Function<CharClass, Expr> encode) {
        this.pattern = pattern;
        this.cps = pattern.codePoints().toArray();
        this.encode = encode;
    }

    /**
     * @param encode how a set of characters becomes bytes: plain UTF-8, or escaped as inside a JSON string
     */
    static Parsed parse(String pattern, Function<CharClass, Expr> encode) {
        RegexParser p = new RegexParser(pattern, encode);
        boolean start = p.eat('^');
        Expr e = p.alternation();
        boolean end = false;
        if (p.pos < p.cps.length && p.cps[p.pos] == '$') {
            p.pos++;
            end = true;
        }
        if (p.pos < p.cps.length) {
            throw p.error(p.cps[p.pos] == ')' ? "unbalanced ')'" : "unexpected '" + p.current() + "'");
        }
        return new Parsed(e, start, end);
    }

    private Expr alternation() {
        List<Expr> options = new ArrayList<>();
        options.add(sequence());
        while (eat('|')) {
            options.add(sequence());
        }
        return Expr.alt(options);
    }

    private Expr sequence() {
        List<Expr> parts = new ArrayList<>();
        while (pos < cps.length && cps[pos] != '|' && cps[pos] != ')') {
            if (cps[pos] == '$' && (pos + 1 == cps.length || cps[pos + 1] == '|' || cps[pos + 1] == ')')) {
                if (pos + 1 == cps.length) {
                    break;
                }
                throw error("'$' is only supported at the end of the pattern");
            }
            if (cps[pos] == '^') {
                throw error("'^' is only supported at the start of the pattern");
            }
            parts.add(quantified(atom()));
        }
        return parts.size() == 1 ? parts.get(0) : new Expr.Seq(parts);
    }

    private Expr quantified(Expr atom) {
        while (pos < cps.length) {
            int c = cps[pos];
            int min;
            int max;
            if (c == '*') {
                min = 0;
                max = Expr.UNBOUNDED;
                pos++;
            } else if (c == '+') {
                min = 1;
                max = Expr.UNBOUNDED;
                pos++;
            } else if (c == '?') {
                min = 0;
                max = 1;
                pos++;
            } else if (c == '{' && isCount()) {
                pos++;
                min = number();
                max = min;
                if (eat(',')) {
                    max = pos < cps.length && cps[pos] == '}' ? Expr.UNBOUNDED : number();
                }
                expect('}');
                if (max != Expr.UNBOUNDED && max < min) {
                    throw error("repetition {" + min + "," + max + "} has max < min");
                }
                if (min > MAX_REPEAT || max > MAX_REPEAT) {
                    throw error("repetition counts above " + MAX_REPEAT + " are not supported");
                }
            } else {
                return atom;
            }
            if (!eat('?')) {
                eat('+');
            }
            atom = new Expr.Repeat(atom, min, max);
        }
        return atom;
    }

    /** Whether a '{' starts a count ({n}, {n,}, {n,m}); otherwise it is a literal brace, as in Python. */
    private boolean isCount() {
        int i = pos + 1;
        int digits = 0;
        while (i < cps.length && Character.isDigit(cps[i])) {
            i++;
            digits++;
        }
        if (digits == 0) {
            return false;
        }
        if (i < cps.length && cps[i] == ',') {
            i++;
            while (i < cps.length && Character.isDigit(cps[i])) {
                i++;
            }
        }
        return i < cps.length && cps[i] == '}';
    }

    private Expr atom() {
        int c = cps[pos++];
        switch (c) {
            case '(' -> {
                if (eat('?')) {
                    if (eat(':')) {
                        // non-capturing
                    } else if (eat('<') || (eat('P') && eat('<'))) {
                        if (pos < cps.length && (cps[pos] == '=' || cps[pos] == '!')) {
                            throw error("lookbehind is not supported");
                        }
                        while (pos < cps.length && cps[pos] != '>') {
                            pos++;
                        }
                        expect('>');
                    } else if (pos < cps.length && (cps[pos] == '=' || cps[pos] == '!')) {
                        throw error("lookahead is not supported");
                    } else {
                        throw error("group flags (?...) are not supported");
                    }
                }
                Expr inner = alternation();
                expect(')');
                return inner;
            }
            case '[' -> {
                return encode.apply(classBody());
            }
            case '.' -> {
                return encode.apply(CharClass.single('\n').complement());
            }
            case '\\' -> {
                return encode.apply(escape(false));
            }
            case '*', '+', '?' -> throw error("nothing to repeat before '" + Character.toString(c) + "'");
            default -> {
                return encode.apply(CharClass.single(c));
            }
        }
    }

    private CharClass classBody() {
        boolean negated = eat('^');
        List<int[]> pairs = new ArrayList<>();
        boolean first = true;
        while (pos < cps.length && (cps[pos] != ']' || first)) {
            first = false;
            CharClass lo = classAtom();
            if (pos + 1 < cps.length && cps[pos] == '-' && cps[pos + 1] != ']' && isSingle(lo)) {
                pos++;
                CharClass hi = classAtom();
                if (!isSingle(hi) || hi.ranges[0] < lo.ranges[0]) {
                    throw error("bad range in character class");
                }
                pairs.add(new int[] {lo.ranges[0], hi.ranges[0]});
            } else {
                pairs.addAll(lo.pairs());
            }
        }
        expect(']');
        CharClass set = CharClass.union(pairs);
        return negated ? set.complement() : set;
    }

    private static boolean isSingle(CharClass c) {
        return c.ranges.length == 2 && c.ranges[0] == c.ranges[1];
    }

    private CharClass classAtom() {
        int c = cps[pos++];
        if (c == '\\') {
            return escape(true);
        }
        if (c == '[' && pos < cps.length && cps[pos] == ':') {
            throw error("POSIX classes [:name:] are not supported");
        }
        return CharClass.single(c);
    }

    private CharClass escape(boolean inClass) {
        if (pos >= cps.length) {
            throw error("pattern ends with a backslash");
        }
        int c = cps[pos++];
        return switch (c) {
            case 'd' -> DIGIT;
            case 'D' -> DIGIT.complement();
            case 'w' -> WORD;
            case 'W' -> WORD.complement();
            case 's' -> SPACE;
            case 'S' -> SPACE.complement();
            case 't' -> CharClass.single('\t');
            case 'n' -> CharClass.single('\n');
            case 'r' -> CharClass.single('\r');
            case 'f' -> CharClass.single('\f');
            case 'v' -> CharClass.single(0x0B);
            case '0' -> CharClass.single(0);
            case 'x' -> CharClass.single(hex(2));
            case 'u' -> CharClass.single(hex(4));
            case 'b' -> {
                if (inClass) {
                    yield CharClass.single('\b');
                }
                throw error("word boundaries (\\b) are not supported");
            }
            case 'B', 'A', 'Z', 'z', 'G' -> throw error("anchor \\" + Character.toString(c) + " is not supported");
            default -> {
                if (Character.isDigit(c)) {
                    throw error("backreferences are not supported");
                }
                if (Character.isLetter(c)) {
                    throw error("unknown escape \\" + Character.toString(c));
                }
                yield CharClass.single(c);
            }
        };
    }

    private int hex(int digits) {
        if (pos + digits > cps.length) {
            throw error("incomplete hex escape");
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(cps[pos++], 16);
            if (d < 0) {
                throw error("bad hex digit in escape");
            }
            v = v * 16 + d;
        }
        return v;
    }

    private int number() {
        int start = pos;
        long v = 0;
        while (pos < cps.length && Character.isDigit(cps[pos])) {
            v = Math.min(v * 10 + (cps[pos++] - '0'), Integer.MAX_VALUE);
        }
        if (pos == start) {
            throw error("expected a number in a repetition count");
        }
        return (int) v;
    }

    private boolean eat(int c) {
        if (pos < cps.length && cps[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(int c) {
        if (!eat(c)) {
            throw error("expected '" + Character.toString(c) + "'");
        }
    }

    private String current() {
        return Character.toString(cps[pos]);
    }

    private ConstraintException error(String what) {
        return new ConstraintException("invalid regex /" + pattern + "/: " + what + " (at position " + pos + ")");
    }
}
