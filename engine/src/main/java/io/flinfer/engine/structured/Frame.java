package io.flinfer.engine.structured;

/**
 * One stack of the pushdown automaton, as an immutable linked list: the top is (rule, state), and
 * each frame below holds the state its rule returns to. Stacks share their lower frames, so a step
 * costs one new frame, not a copy of the stack.
 */
final class Frame {
    final int rule;
    final int state;
    /** The caller, or null at the bottom. */
    final Frame parent;
    final int depth;
    private final int hash;

    Frame(int rule, int state, Frame parent) {
        this.rule = rule;
        this.state = state;
        this.parent = parent;
        this.depth = parent == null ? 1 : parent.depth + 1;
        this.hash = 31 * (31 * rule + state) + (parent == null ? 0 : parent.hash);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Frame f) || f.hash != hash) {
            return false;
        }
        Frame a = this;
        Frame b = f;
        while (a != null && b != null) {
            if (a == b) {
                return true;
            }
            if (a.rule != b.rule || a.state != b.state) {
                return false;
            }
            a = a.parent;
            b = b.parent;
        }
        return a == b;
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
