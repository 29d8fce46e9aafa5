package io.flinfer.engine.structured;

import java.util.List;

/**
 * Where a grammar's matcher stands after some bytes: every stack that can still read a byte (the
 * grammar may be ambiguous, as {@code anyOf} branches that start alike are), and whether the bytes
 * so far are a complete sentence. Immutable.
 *
 * @param stacks stacks whose top state has a byte transition
 * @param complete whether the input may end here (the bottom rule can return)
 */
record MatchState(List<Frame> stacks, boolean complete) {
    static final MatchState DEAD = new MatchState(List.of(), false);

    boolean isDead() {
        return stacks.isEmpty() && !complete;
    }

    /** Complete, and no byte can follow. */
    boolean isTerminated() {
        return stacks.isEmpty() && complete;
    }
}
