package io.flinfer.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which token rows of a step take which adapter slot: the program adds each adapter's low-rank
 * delta to its rows with one pair of products per adapter (Punica's segmented products), so one
 * step mixes rows of several adapters and rows of none.
 *
 * @param rows the token rows of each adapter in turn, ascending within each
 * @param plan three ints per adapter: its program slot, the offset of its rows in {@code rows}, how many
 */
public record LoraBatch(long[] rows, long[] plan) {
    /** A step of the base model alone. */
    public static final LoraBatch NONE = new LoraBatch(new long[0], new long[0]);

    public boolean isEmpty() {
        return plan.length == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects row ranges per slot, in the order the step's sequences come. */
    public static final class Builder {
        private final Map<Integer, List<long[]>> ranges = new LinkedHashMap<>();

        /** Rows {@code [first, first + count)} take the adapter in {@code slot}; a negative slot is the base model. */
        public Builder add(int slot, int first, int count) {
            if (slot >= 0 && count > 0) {
                ranges.computeIfAbsent(slot, s -> new ArrayList<>()).add(new long[] {first, count});
            }
            return this;
        }

        public LoraBatch build() {
            if (ranges.isEmpty()) {
                return NONE;
            }
            int total = ranges.values().stream().flatMap(List::stream).mapToInt(r -> (int) r[1]).sum();
            long[] rows = new long[total];
            long[] plan = new long[3 * ranges.size()];
            int n = 0;
            int i = 0;
            for (Map.Entry<Integer, List<long[]>> slot : ranges.entrySet()) {
                plan[3 * i] = slot.getKey();
                plan[3 * i + 1] = n;
                for (long[] range : slot.getValue()) {
                    for (long r = range[0]; r < range[0] + range[1]; r++) {
                        rows[n++] = r;
                    }
                }
                plan[3 * i + 2] = n - plan[3 * i + 1];
                i++;
            }
            return new LoraBatch(rows, plan);
        }
    }
}
