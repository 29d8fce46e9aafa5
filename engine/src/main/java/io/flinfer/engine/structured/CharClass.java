package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of Unicode code points as sorted, disjoint, non-adjacent ranges: a regex character class
 * before it becomes UTF-8 byte sequences ({@link Utf8Ranges}).
 */
final class CharClass {
    static final int MAX = 0x10FFFF;
    static final CharClass ALL = new CharClass(new int[] {0, MAX});

    /** Pairs lo, hi (inclusive). */
    final int[] ranges;

    private CharClass(int[] ranges) {
        this.ranges = ranges;
    }

    static CharClass of(int lo, int hi) {
        return new CharClass(new int[] {lo, hi});
    }

    static CharClass single(int c) {
        return of(c, c);
    }

    /** Builds a class from unsorted, possibly overlapping pairs. */
    static CharClass union(List<int[]> pairs) {
        List<int[]> sorted = new ArrayList<>(pairs);
        sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<int[]> merged = new ArrayList<>();
        for (int[] p : sorted) {
            int[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && p[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], p[1]);
            } else {
                merged.add(new int[] {p[0], p[1]});
            }
        }
        int[] ranges = new int[merged.size() * 2];
        for (int i = 0; i < merged.size(); i++) {
            ranges[2 * i] = merged.get(i)[0];
            ranges[2 * i + 1] = merged.get(i)[1];
        }
        return new CharClass(ranges);
    }

    List<int[]> pairs() {
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < ranges.length; i += 2) {
            pairs.add(new int[] {ranges[i], ranges[i + 1]});
        }
        return pairs;
    }

    CharClass or(CharClass other) {
        List<int[]> pairs = pairs();
        pairs.addAll(other.pairs());
        return union(pairs);
    }

    CharClass complement() {
        List<int[]> pairs = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                pairs.add(new int[] {next, ranges[i] - 1});
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX) {
            pairs.add(new int[] {next, MAX});
        }
        return union(pairs);
    }

    CharClass minus(CharClass other) {
        return complement().or(other).complement();
    }

    CharClass and(CharClass other) {
        return complement().or(other.complement()).complement();
    }

    boolean contains(int c) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (c >= ranges[i] && c <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    boolean isEmpty() {
        return ranges.length == 0;
    }
}
