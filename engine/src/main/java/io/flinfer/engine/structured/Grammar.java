package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled constraint: one {@link RuleDfa} per rule and the rule to start in, with the pushdown
 * automaton's moves over them. Independent of any tokenizer and immutable, so one instance serves
 * every request with the same constraint; {@link TokenMasks} adds a tokenizer's view.
 */
public final class Grammar {
    /**
     * Nesting deeper than this is cut off: it bounds a recursive schema's depth (a model cannot nest
     * forever) and makes left recursion, which never consumes a byte, end instead of looping.
     */
    static final int MAX_DEPTH = 64;

    final RuleDfa[] rules;
    final int root;
    /** Offset of each rule's states in a numbering of all (rule, state) positions. */
    final int[] positionOffset;
    final int numPositions;

    private Grammar(RuleDfa[] rules, int root) {
        this.rules = rules;
        this.root = root;
        this.positionOffset = new int[rules.length];
        int n = 0;
        for (int r = 0; r < rules.length; r++) {
            positionOffset[r] = n;
            n += rules[r].numStates();
        }
        this.numPositions = n;
    }

    /**
     * Builds the automata of named rules; {@code root} names the start rule.
     *
     * @param minimalBodies whether repetitions that call no rule repeat their body's minimal
     *     automaton ({@link RuleDfa}); false builds them by Thompson's construction alone, slower, for
     *     tests to compare with
     */
    static Grammar of(Map<String, Expr> named, String root, boolean minimalBodies) {
        Map<String, Integer> ids = new HashMap<>();
        for (String name : named.keySet()) {
            ids.put(name, ids.size());
        }
        Map<Expr, RuleDfa.Body> bodies = minimalBodies ? new HashMap<>() : null;
        RuleDfa[] rules = new RuleDfa[named.size()];
        int i = 0;
        for (Expr e : named.values()) {
            rules[i++] = RuleDfa.build(e, ids, bodies);
        }
        Grammar g = new Grammar(rules, ids.get(root));
        if (g.start().isDead()) {
            throw new ConstraintException("the constraint matches no text at all");
        }
        return g;
    }

    public int numPositions() {
        return numPositions;
    }

    int position(Frame top) {
        return positionOffset[top.rule] + top.state;
    }

    MatchState start() {
        return close(List.of(new Frame(root, 0, null)));
    }

    /** The state after one more byte. */
    MatchState advance(MatchState state, int b) {
        List<Frame> moved = new ArrayList<>(state.stacks().size());
        for (Frame f : state.stacks()) {
            int t = rules[f.rule].step(f.state, b);
            if (t >= 0) {
                moved.add(new Frame(f.rule, t, f.parent));
            }
        }
        return moved.isEmpty() ? MatchState.DEAD : close(moved);
    }

    /**
     * The bytes the grammar forces from {@code state}, at most {@code limit}: while the text is
     * incomplete and exactly one byte can follow (on every stack), that byte, and so on from the state
     * after it. A byte that would leave no way on is not forced (it cannot be part of any text).
     */
    byte[] forcedBytes(MatchState state, int limit) {
        byte[] out = new byte[Math.min(limit, 64)];
        int n = 0;
        for (int b = onlyByte(state); b >= 0 && n < limit; b = onlyByte(state)) {
            state = advance(state, b);
            if (state.isDead()) {
                break;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, Math.min(limit, 2 * n));
            }
            out[n++] = (byte) b;
        }
        return Arrays.copyOf(out, n);
    }

    /** The one byte that can follow in {@code state}, or -1 where the text may end or several bytes may follow. */
    private int onlyByte(MatchState state) {
        if (state.complete()) {
            return -1;
        }
        int only = -1;
        for (Frame f : state.stacks()) {
            RuleDfa r = rules[f.rule];
            for (int c = 0; c < r.numClasses; c++) {
                if (r.next[f.state * r.numClasses + c] < 0) {
                    continue;
                }
                int b = r.onlyByte[c];
                if (b < 0 || (only >= 0 && only != b)) {
                    return -1;
                }
                only = b;
            }
        }
        return only;
    }

    MatchState advance(MatchState state, byte[] bytes) {
        for (int i = 0; i < bytes.length && !state.isDead(); i++) {
            state = advance(state, bytes[i] & 0xFF);
        }
        return state;
    }

    /**
     * Follows every move that reads no byte: calls push the called rule, accepting states return to
     * the caller. Keeps the stacks that can read a byte, and notes whether one returned from the bottom.
     */
    MatchState close(List<Frame> frames) {
        // The common case inside a token: one stack, a state that neither calls nor accepts.
        if (frames.size() == 1) {
            Frame f = frames.get(0);
            RuleDfa r = rules[f.rule];
            if (r.calls[f.state].length == 0 && !r.accepting[f.state]) {
                return new MatchState(r.hasBytes[f.state] ? List.of(f) : List.of(), false);
            }
        }
        List<Frame> out = new ArrayList<>(2);
        Set<Frame> seen = new HashSet<>();
        boolean[] complete = new boolean[1];
        for (Frame f : frames) {
            close(f, out, seen, complete);
        }
        return new MatchState(out, complete[0]);
    }

    private void close(Frame f, List<Frame> out, Set<Frame> seen, boolean[] complete) {
        if (f.depth > MAX_DEPTH || !seen.add(f)) {
            return;
        }
        RuleDfa r = rules[f.rule];
        if (r.hasBytes[f.state]) {
            out.add(f);
        }
        int[] calls = r.calls[f.state];
        for (int i = 0; i < calls.length; i += 2) {
            close(new Frame(calls[i], 0, new Frame(f.rule, calls[i + 1], f.parent)), out, seen, complete);
        }
        if (r.accepting[f.state]) {
            if (f.parent == null) {
                complete[0] = true;
            } else {
                close(f.parent, out, seen, complete);
            }
        }
    }
}
