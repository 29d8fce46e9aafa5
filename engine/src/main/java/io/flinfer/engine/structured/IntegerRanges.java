package io.flinfer.engine.structured;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical decimal spellings ({@code -?(0|[1-9][0-9]*)}) of the integers in a range, as an
 * {@link Expr}: split by sign and by number of digits, then digit by digit, as the classic
 * range-to-regex construction does. Its size grows with the square of the bounds' digits.
 */
final class IntegerRanges {
    private static final Expr DIGIT = new Expr.Bytes('0', '9');

    private IntegerRanges() {}

    /** Integers in [min, max]; a null bound is open. */
    static Expr of(BigInteger min, BigInteger max) {
        if (min != null && max != null && min.compareTo(max) > 0) {
            throw new ConstraintException("integer range is empty: minimum " + min + " > maximum " + max);
        }
        List<Expr> options = new ArrayList<>();
        // Negative part: -(|x|) for x in [min, min(max, -1)].
        if (min == null || min.signum() < 0) {
            BigInteger negHi = max == null || max.signum() >= 0 ? BigInteger.ONE : max.negate();
            BigInteger negLo = min == null ? null : min.negate();
            options.add(Expr.seq(Expr.literal("-"), nonNegative(negHi, negLo)));
        }
        if (max == null || max.signum() >= 0) {
            BigInteger lo = min == null || min.signum() < 0 ? BigInteger.ZERO : min;
            options.add(nonNegative(lo, max));
        }
        return Expr.alt(options);
    }

    /** Non-negative integers in [lo, hi]; hi null is open. */
    private static Expr nonNegative(BigInteger lo, BigInteger hi) {
        String a = lo.toString();
        List<Expr> options = new ArrayList<>();
        int lastLength = hi == null ? a.length() : hi.toString().length();
        for (int len = a.length(); len <= lastLength; len++) {
            String from = len == a.length() ? a : (len == 1 ? "0" : "1" + "0".repeat(len - 1));
            String to = hi != null && len == lastLength ? hi.toString() : "9".repeat(len);
            options.add(sameLength(from, to));
        }
        if (hi == null) {
            // Every number with more digits than the lower bound.
            options.add(Expr.seq(new Expr.Bytes('1', '9'), new Expr.Repeat(DIGIT, a.length(), Expr.UNBOUNDED)));
        }
        return Expr.alt(options);
    }

    /** Strings of equal length between from and to, digit by digit. */
    private static Expr sameLength(String from, String to) {
        if (from.isEmpty()) {
            return Expr.empty();
        }
        int f = from.charAt(0);
        int t = to.charAt(0);
        String fromRest = from.substring(1);
        String toRest = to.substring(1);
        if (f == t) {
            return Expr.seq(new Expr.Bytes(f, f), sameLength(fromRest, toRest));
        }
        List<Expr> options = new ArrayList<>();
        options.add(Expr.seq(new Expr.Bytes(f, f), sameLength(fromRest, "9".repeat(fromRest.length()))));
        if (t - f > 1) {
            options.add(Expr.seq(new Expr.Bytes(f + 1, t - 1), new Expr.Repeat(DIGIT, fromRest.length(), fromRest.length())));
        }
        options.add(Expr.seq(new Expr.Bytes(t, t), sameLength("0".repeat(toRest.length()), toRest)));
        return Expr.alt(options);
    }
}
