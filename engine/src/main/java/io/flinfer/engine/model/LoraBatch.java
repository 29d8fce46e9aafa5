package io.flinfer.engine.model;

import java.util.Arrays;

/**
 * Which token rows of a step take which adapter slot. The step's sequences come grouped by adapter,
 * so each adapter's rows are one range: the program adds its low-rank delta to them with one pair
 * of products over the range (Punica's segmented products), and one step mixes rows of several
 * adapters and rows of none.
 *
 * @param plan three ints per adapter: its program slot, its first row, how many rows
 */
public record LoraBatch(long[] plan) {
    /** A step of the base model alone. */
    public static final LoraBatch NONE = new LoraBatch(new long[0]);

    public boolean isEmpty() {
        return plan.length == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects the rows of each sequence in step order. */
    public static final class Builder {
        private long[] plan = new long[0];
        private int n;
        private int lastSlot = -1;

        /**
         * Rows {@code [first, first + count)} take the adapter in {@code slot}; a negative slot is the
         * base model. Rows come in order, and an adapter's rows in one run.
         *
         * @throws IllegalStateException when an adapter's rows come apart
         */
        public Builder add(int slot, int first, int count) {
            if (slot < 0 || count == 0) {
                lastSlot = slot;
                return this;
            }
            if (slot == lastSlot && plan[3 * (n - 1) + 1] + plan[3 * (n - 1) + 2] == first) {
                plan[3 * (n - 1) + 2] += count;
                return this;
            }
            for (int i = 0; i < n; i++) {
                if (plan[3 * i] == slot) {
                    throw new IllegalStateException("the rows of adapter slot " + slot + " are not consecutive");
                }
            }
            plan = Arrays.copyOf(plan, 3 * (n + 1));
            plan[3 * n] = slot;
            plan[3 * n + 1] = first;
            plan[3 * n + 2] = count;
            n++;
            lastSlot = slot;
            return this;
        }

        public LoraBatch build() {
            return n == 0 ? NONE : new LoraBatch(plan);
        }
    }
}
