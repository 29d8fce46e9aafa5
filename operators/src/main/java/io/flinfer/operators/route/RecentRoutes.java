package io.flinfer.operators.route;

import java.util.HashMap;
import java.util.Map;

/**
 * The last {@code capacity} routing decisions of one upstream subtask: how many went to each target
 * subtask and how many carried each key. Old decisions fall out, so a shift in traffic shows within
 * one window and early history does not weigh forever.
 */
final class RecentRoutes {
    private final String[] keys;
    private final int[] targets;
    private final int[] perTarget;
    private final Map<String, Integer> perKey = new HashMap<>();
    private int next;
    private int size;

    RecentRoutes(int capacity, int subtasks) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the window must hold at least one decision, got " + capacity);
        }
        keys = new String[capacity];
        targets = new int[capacity];
        perTarget = new int[subtasks];
    }

    void add(String key, int target) {
        if (size == keys.length) {
            perTarget[targets[next]]--;
            perKey.computeIfPresent(keys[next], (k, n) -> n == 1 ? null : n - 1);
        } else {
            size++;
        }
        keys[next] = key;
        targets[next] = target;
        next = (next + 1) % keys.length;
        perTarget[target]++;
        perKey.merge(key, 1, Integer::sum);
    }

    /** Decisions in the window. */
    int size() {
        return size;
    }

    int toTarget(int target) {
        return perTarget[target];
    }

    int ofKey(String key) {
        return perKey.getOrDefault(key, 0);
    }
}
