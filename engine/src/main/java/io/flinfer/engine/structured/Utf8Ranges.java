package io.flinfer.engine.structured;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a set of code points into the byte sequences of their UTF-8 encodings, as alternatives of
 * byte-range sequences (the construction of Rust's utf8-ranges): split each range where the encoded
 * length changes and where the continuation bytes stop covering their whole span. Surrogates
 * (U+D800..U+DFFF) have no UTF-8 encoding and are left out.
 */
final class Utf8Ranges {
    private static final int[] MAX_OF_LENGTH = {0x7F, 0x7FF, 0xFFFF, 0x10FFFF};

    private Utf8Ranges() {}

    static Expr of(CharClass chars) {
        CharClass encodable = chars.minus(CharClass.of(0xD800, 0xDFFF));
        List<Expr> options = new ArrayList<>();
        for (int[] p : encodable.pairs()) {
            split(p[0], p[1], options);
        }
        return Expr.alt(options);
    }

    private static void split(int lo, int hi, List<Expr> out) {
        for (int max : MAX_OF_LENGTH) {
            if (lo <= max && hi > max) {
                split(lo, max, out);
                split(max + 1, hi, out);
                return;
            }
        }
        if (hi <= 0x7F) {
            out.add(new Expr.Bytes(lo, hi));
            return;
        }
        int n = length(lo);
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    split(lo, lo | m, out);
                    split((lo | m) + 1, hi, out);
                    return;
                }
                if ((hi & m) != m) {
                    split(lo, (hi & ~m) - 1, out);
                    split(hi & ~m, hi, out);
                    return;
                }
            }
        }
        byte[] a = encode(lo);
        byte[] b = encode(hi);
        Expr[] parts = new Expr[n];
        for (int i = 0; i < n; i++) {
            parts[i] = new Expr.Bytes(a[i] & 0xFF, b[i] & 0xFF);
        }
        out.add(Expr.seq(parts));
    }

    private static int length(int c) {
        return c <= 0x7F ? 1 : c <= 0x7FF ? 2 : c <= 0xFFFF ? 3 : 4;
    }

    private static byte[] encode(int c) {
        return new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
    }
}
