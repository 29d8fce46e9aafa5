package io.flinfer.engine.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A regular expression over bytes that may call named rules: what regexes, choices and JSON Schemas
 * compile to before {@link RuleDfa} turns each rule into an automaton. Calls are what make the
 * grammar context-free (recursive {@code $ref}s, nested JSON values).
 */
sealed interface Expr {
    /** One byte in {@code [lo, hi]} (unsigned). */
    record Bytes(int lo, int hi) implements Expr {}

    record Seq(List<Expr> parts) implements Expr {}

    /** One of the alternatives; no alternatives matches nothing. */
    record Alt(List<Expr> options) implements Expr {}

    /** {@code min} to {@code max} times in a row; {@code max} {@link #UNBOUNDED} has no limit. */
    record Repeat(Expr body, int min, int max) implements Expr {}

    /** The whole language of another rule, matched with the stack. */
    record Call(String rule) implements Expr {}

    int UNBOUNDED = -1;

    static Expr empty() {
        return new Seq(List.of());
    }

    static Expr nothing() {
        return new Alt(List.of());
    }

    static Expr seq(Expr... parts) {
        return new Seq(List.of(parts));
    }

    static Expr alt(List<Expr> options) {
        return options.size() == 1 ? options.get(0) : new Alt(List.copyOf(options));
    }

    static Expr optional(Expr e) {
        return new Repeat(e, 0, 1);
    }

    static Expr star(Expr e) {
        return new Repeat(e, 0, UNBOUNDED);
    }

    /** The UTF-8 bytes of {@code text}, in order. */
    static Expr literal(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<Expr> parts = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            parts.add(new Bytes(b & 0xFF, b & 0xFF));
        }
        return parts.size() == 1 ? parts.get(0) : new Seq(parts);
    }
}
