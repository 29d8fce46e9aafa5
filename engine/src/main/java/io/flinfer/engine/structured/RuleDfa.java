package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One grammar rule as a deterministic automaton over bytes whose states may also call other rules
 * (a recursive transition network): built from the rule's {@link Expr} by Thompson's construction and
 * the subset construction. Bytes that every edge treats alike share a class, so the transition table
 * has a column per class, not per byte.
 */
final class RuleDfa {
    /** More states than this in one rule is refused: the constraint is too large to compile quickly. */
    static final int MAX_STATES = 50_000;

    final int[] byteClass;
    final int numClasses;
    /** next[state * numClasses + class], or -1. */
    final int[] next;
    final boolean[] accepting;
    final boolean[] hasBytes;
    /** Per state: pairs (rule id, state to return to). */
    final int[][] calls;

    private RuleDfa(int[] byteClass, int numClasses, int[] next, boolean[] accepting, boolean[] hasBytes, int[][] calls) {
        this.byteClass = byteClass;
        this.numClasses = numClasses;
        this.next = next;
        this.accepting = accepting;
        this.hasBytes = hasBytes;
        this.calls = calls;
    }

    int numStates() {
        return accepting.length;
    }

    int step(int state, int b) {
        return next[state * numClasses + byteClass[b]];
    }

    /** The rule's automaton, starting in state 0; {@code ruleIds} resolves called rules' names. */
    static RuleDfa build(Expr expr, Map<String, Integer> ruleIds) {
        Nfa nfa = new Nfa(ruleIds);
        int start = nfa.newState();
        int end = nfa.add(expr, start);
        return determinize(nfa, start, end);
    }

    private static RuleDfa determinize(Nfa nfa, int start, int end) {
        int[] byteClass = nfa.byteClasses();
        int numClasses = Arrays.stream(byteClass).max().orElse(0) + 1;
        int[] representative = new int[numClasses];
        for (int b = 255; b >= 0; b--) {
            representative[byteClass[b]] = b;
        }
        Map<BitSet, Integer> ids = new HashMap<>();
        List<BitSet> sets = new ArrayList<>();
        BitSet first = nfa.closure(single(start));
        ids.put(first, 0);
        sets.add(first);
        List<int[]> rows = new ArrayList<>();
        List<int[]> callRows = new ArrayList<>();
        for (int d = 0; d < sets.size(); d++) {
            BitSet set = sets.get(d);
            int[] row = new int[numClasses];
            for (int c = 0; c < numClasses; c++) {
                BitSet target = nfa.closure(nfa.byteTargets(set, representative[c]));
                row[c] = target.isEmpty() ? -1 : id(target, ids, sets);
            }
            rows.add(row);
            TreeMap<Integer, BitSet> byRule = nfa.callTargets(set);
            int[] callRow = new int[byRule.size() * 2];
            int i = 0;
            for (Map.Entry<Integer, BitSet> e : byRule.entrySet()) {
                callRow[i++] = e.getKey();
                callRow[i++] = id(nfa.closure(e.getValue()), ids, sets);
            }
            callRows.add(callRow);
            if (sets.size() > MAX_STATES) {
                throw new ConstraintException("the constraint is too large: one rule needs more than "
                        + MAX_STATES + " automaton states");
            }
        }
        int n = sets.size();
        int[] next = new int[n * numClasses];
        boolean[] accepting = new boolean[n];
        boolean[] hasBytes = new boolean[n];
        for (int d = 0; d < n; d++) {
            System.arraycopy(rows.get(d), 0, next, d * numClasses, numClasses);
            accepting[d] = sets.get(d).get(end);
            for (int t : rows.get(d)) {
                hasBytes[d] |= t >= 0;
            }
        }
        return new RuleDfa(byteClass, numClasses, next, accepting, hasBytes, callRows.toArray(new int[0][]));
    }

    private static int id(BitSet set, Map<BitSet, Integer> ids, List<BitSet> sets) {
        Integer id = ids.get(set);
        if (id == null) {
            id = sets.size();
            ids.put(set, id);
            sets.add(set);
        }
        return id;
    }

    private static BitSet single(int s) {
        BitSet b = new BitSet();
        b.set(s);
        return b;
    }

    /** Thompson's construction: epsilon, byte-range and call edges. */
    private static final class Nfa {
        private final Map<String, Integer> ruleIds;
        private final List<List<int[]>> byteEdges = new ArrayList<>();
        private final List<List<Integer>> epsilon = new ArrayList<>();
        private final List<List<int[]>> callEdges = new ArrayList<>();

        Nfa(Map<String, Integer> ruleIds) {
            this.ruleIds = ruleIds;
        }

        int newState() {
            byteEdges.add(new ArrayList<>());
            epsilon.add(new ArrayList<>());
            callEdges.add(new ArrayList<>());
            if (byteEdges.size() > 20 * MAX_STATES) {
                throw new ConstraintException("the constraint is too large to compile");
            }
            return byteEdges.size() - 1;
        }

        /** Adds {@code e} starting at {@code from}; returns its end state. */
        int add(Expr e, int from) {
            if (e instanceof Expr.Bytes b) {
                int to = newState();
                byteEdges.get(from).add(new int[] {b.lo(), b.hi(), to});
                return to;
            }
            if (e instanceof Expr.Seq s) {
                int at = from;
                for (Expr part : s.parts()) {
                    at = add(part, at);
                }
                return at;
            }
            if (e instanceof Expr.Alt a) {
                int to = newState();
                for (Expr option : a.options()) {
                    int start = newState();
                    epsilon.get(from).add(start);
                    epsilon.get(add(option, start)).add(to);
                }
                return to;
            }
            if (e instanceof Expr.Call c) {
                Integer rule = ruleIds.get(c.rule());
                if (rule == null) {
                    throw new IllegalStateException("call of an undefined rule " + c.rule());
                }
                int to = newState();
                callEdges.get(from).add(new int[] {rule, to});
                return to;
            }
            Expr.Repeat r = (Expr.Repeat) e;
            int at = from;
            for (int i = 0; i < r.min(); i++) {
                at = add(r.body(), at);
            }
            if (r.max() == Expr.UNBOUNDED) {
                int loop = newState();
                epsilon.get(at).add(loop);
                epsilon.get(add(r.body(), loop)).add(loop);
                return loop;
            }
            int to = newState();
            for (int i = r.min(); i < r.max(); i++) {
                epsilon.get(at).add(to);
                at = add(r.body(), at);
            }
            epsilon.get(at).add(to);
            return to;
        }

        int[] byteClasses() {
            boolean[] boundary = new boolean[257];
            for (List<int[]> edges : byteEdges) {
                for (int[] e : edges) {
                    boundary[e[0]] = true;
                    boundary[e[1] + 1] = true;
                }
            }
            int[] classes = new int[256];
            int c = 0;
            for (int b = 0; b < 256; b++) {
                if (b > 0 && boundary[b]) {
                    c++;
                }
                classes[b] = c;
            }
            return classes;
        }

        BitSet closure(BitSet states) {
            BitSet out = (BitSet) states.clone();
            int[] stack = states.stream().toArray();
            int top = stack.length;
            stack = Arrays.copyOf(stack, Math.max(16, top));
            while (top > 0) {
                int s = stack[--top];
                for (int t : epsilon.get(s)) {
                    if (!out.get(t)) {
                        out.set(t);
                        if (top == stack.length) {
                            stack = Arrays.copyOf(stack, top * 2);
                        }
                        stack[top++] = t;
                    }
                }
            }
            return out;
        }

        BitSet byteTargets(BitSet set, int b) {
            BitSet out = new BitSet();
            for (int s = set.nextSetBit(0); s >= 0; s = set.nextSetBit(s + 1)) {
                for (int[] e : byteEdges.get(s)) {
                    if (b >= e[0] && b <= e[1]) {
                        out.set(e[2]);
                    }
                }
            }
            return out;
        }

        TreeMap<Integer, BitSet> callTargets(BitSet set) {
            TreeMap<Integer, BitSet> out = new TreeMap<>();
            for (int s = set.nextSetBit(0); s >= 0; s = set.nextSetBit(s + 1)) {
                for (int[] e : callEdges.get(s)) {
                    out.computeIfAbsent(e[0], k -> new BitSet()).set(e[1]);
                }
            }
            return out;
        }
    }
}
