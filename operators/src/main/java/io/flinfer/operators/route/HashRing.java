package io.flinfer.operators.route;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A consistent-hashing ring of subtasks: each subtask sits at {@link #POINTS_PER_SUBTASK} points,
 * and a key's preference order is the distinct subtasks met walking clockwise from the key's own
 * point. The points depend only on the subtask count, so every upstream subtask, before and after a
 * restart, agrees on every key's order without talking to the others.
 */
public final class HashRing {
    /** Enough points that each subtask's arc is within about 10% of 1/n. */
    static final int POINTS_PER_SUBTASK = 128;

    private final int subtasks;
    private final long[] points;
    private final int[] owners;

    public HashRing(int subtasks) {
        if (subtasks < 1) {
            throw new IllegalArgumentException("a ring needs at least one subtask, got " + subtasks);
        }
        this.subtasks = subtasks;
        long[][] placed = new long[subtasks * POINTS_PER_SUBTASK][];
        for (int s = 0; s < subtasks; s++) {
            for (int p = 0; p < POINTS_PER_SUBTASK; p++) {
                placed[s * POINTS_PER_SUBTASK + p] = new long[] {mix((long) s << 32 | p), s};
            }
        }
        Arrays.sort(placed, (a, b) -> Long.compareUnsigned(a[0], b[0]));
        points = Arrays.stream(placed).mapToLong(p -> p[0]).toArray();
        owners = Arrays.stream(placed).mapToInt(p -> (int) p[1]).toArray();
    }

    public int subtasks() {
        return subtasks;
    }

    /** Every subtask once, in the order a key prefers them: its first choice, then its ring successors. */
    public int[] preference(String key) {
        int[] order = new int[subtasks];
        boolean[] seen = new boolean[subtasks];
        int found = 0;
        for (int i = firstPointAtOrAfter(hash(key)); found < subtasks; i = (i + 1) % points.length) {
            int owner = owners[i];
            if (!seen[owner]) {
                seen[owner] = true;
                order[found++] = owner;
            }
        }
        return order;
    }

    private int firstPointAtOrAfter(long h) {
        int lo = 0;
        int hi = points.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(points[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo % points.length;
    }

    /** FNV-1a over the key's UTF-8 bytes, then mixed: stable across JVMs, unlike nothing else in String. */
    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer: spreads nearby inputs over the whole 64-bit ring. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
