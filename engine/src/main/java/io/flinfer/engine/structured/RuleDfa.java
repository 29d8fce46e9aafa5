package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One grammar rule as a deterministic automaton over bytes whose states may also call other rules
 * (a recursive transition network): built from the rule's {@link Expr} by Thompson's construction and
 * the subset construction. Bytes that every edge treats alike share a class, so the transition table
 * has a column per class, not per byte.
 *
 * <p>The body of a repetition that calls no rule enters the NFA as its own minimal automaton rather
 * than by Thompson's construction: a JSON string character is a dozen states that way instead of
 * about sixty joined by empty moves, and a string with {@code maxLength: 400} repeats it 400 times.
 * The subset construction's sets then stay a few states large, which is what made such a rule cost
 * hundreds of milliseconds before.
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
    /** Per byte class, its byte where it has only one, else -1: what a forced continuation reads. */
    final int[] onlyByte;

    private RuleDfa(int[] byteClass, int numClasses, int[] next, boolean[] accepting, boolean[] hasBytes, int[][] calls) {
        this.byteClass = byteClass;
        this.numClasses = numClasses;
        this.next = next;
        this.accepting = accepting;
        this.hasBytes = hasBytes;
        this.calls = calls;
        this.onlyByte = new int[numClasses];
        Arrays.fill(onlyByte, -1);
        for (int b = 0; b < 256; b++) {
            int c = byteClass[b];
            boolean alone = (b == 0 || byteClass[b - 1] != c) && (b == 255 || byteClass[b + 1] != c);
            if (alone) {
                onlyByte[c] = b;
            }
        }
    }

    int numStates() {
        return accepting.length;
    }

    int step(int state, int b) {
        return next[state * numClasses + byteClass[b]];
    }

    /**
     * The rule's automaton, starting in state 0; {@code ruleIds} resolves called rules' names.
     *
     * @param bodies the minimal automata of repetition bodies already built for this grammar, reused
     *     across its rules (its strings share one character body); null builds every repetition by
     *     Thompson's construction alone, the reference the tests compare the masks of both with
     */
    static RuleDfa build(Expr expr, Map<String, Integer> ruleIds, Map<Expr, Body> bodies) {
        Nfa nfa = new Nfa(ruleIds, bodies);
        int start = nfa.newState();
        int end = nfa.add(expr, start);
        return determinize(nfa, start, end);
    }

    /**
     * The automaton with the fewest states for the same language: Moore's partition refinement run
     * until it splits nothing more ({@link MaskClasses} with no bound on the rounds). Only for a rule
     * that calls no other.
     */
    RuleDfa minimal() {
        int[] classes = MaskClasses.of(this, numStates());
        int n = Arrays.stream(classes).max().orElse(-1) + 1;
        int[] minimalNext = new int[n * numClasses];
        boolean[] minimalAccepting = new boolean[n];
        boolean[] minimalHasBytes = new boolean[n];
        for (int s = 0; s < numStates(); s++) { // every state of a class has the same moves: any one will do
            int m = classes[s];
            minimalAccepting[m] = accepting[s];
            minimalHasBytes[m] = hasBytes[s];
            for (int c = 0; c < numClasses; c++) {
                int t = next[s * numClasses + c];
                minimalNext[m * numClasses + c] = t < 0 ? -1 : classes[t];
            }
        }
        int[][] noCalls = new int[n][];
        Arrays.fill(noCalls, new int[0]);
        return new RuleDfa(byteClass, numClasses, minimalNext, minimalAccepting, minimalHasBytes, noCalls);
    }

    /**
     * A repetition's body as a minimal automaton (state 0 starts), with its moves as byte ranges ready
     * to copy into an NFA once per repetition.
     *
     * @param edges per state, triples (lowest byte, highest byte, target state)
     */
    record Body(boolean[] accepting, int[][] edges) {
        static Body of(RuleDfa dfa) {
            int[][] edges = new int[dfa.numStates()][];
            for (int s = 0; s < dfa.numStates(); s++) {
                int[] ranges = new int[3 * 256];
                int size = 0;
                for (int b = 0; b < 256; b++) {
                    int t = dfa.step(s, b);
                    if (t < 0) {
                        continue;
                    }
                    if (size > 0 && ranges[size - 2] == b - 1 && ranges[size - 1] == t) {
                        ranges[size - 2] = b; // the range before reaches here with the same target
                    } else {
                        ranges[size++] = b;
                        ranges[size++] = b;
                        ranges[size++] = t;
                    }
                }
                edges[s] = Arrays.copyOf(ranges, size);
            }
            return new Body(dfa.accepting.clone(), edges);
        }
    }

    private static RuleDfa determinize(Nfa nfa, int start, int end) {
        int[] byteClass = nfa.byteClasses();
        int numClasses = Arrays.stream(byteClass).max().orElse(0) + 1;
        Map<StateSet, Integer> ids = new HashMap<>();
        List<StateSet> sets = new ArrayList<>();
        StateSet first = nfa.closure(new int[] {start});
        ids.put(first, 0);
        sets.add(first);
        List<int[]> rows = new ArrayList<>();
        List<int[]> callRows = new ArrayList<>();
        for (int d = 0; d < sets.size(); d++) {
            StateSet set = sets.get(d);
            int[] row = new int[numClasses];
            int[][] targets = nfa.byteTargets(set, byteClass, numClasses);
            for (int c = 0; c < numClasses; c++) {
                if (targets[c].length == 0) {
                    row[c] = -1;
                } else if (c > 0 && targets[c] == targets[c - 1]) {
                    row[c] = row[c - 1]; // neighbouring classes mostly lead alike (a string's characters)
                } else {
                    row[c] = id(nfa.closure(targets[c]), ids, sets);
                }
            }
            rows.add(row);
            TreeMap<Integer, List<Integer>> byRule = nfa.callTargets(set);
            int[] callRow = new int[byRule.size() * 2];
            int i = 0;
            for (Map.Entry<Integer, List<Integer>> e : byRule.entrySet()) {
                callRow[i++] = e.getKey();
                callRow[i++] = id(nfa.closure(e.getValue().stream().mapToInt(Integer::intValue).toArray()), ids, sets);
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
            accepting[d] = sets.get(d).contains(end);
            for (int t : rows.get(d)) {
                hasBytes[d] |= t >= 0;
            }
        }
        return new RuleDfa(byteClass, numClasses, next, accepting, hasBytes, callRows.toArray(new int[0][]));
    }

    private static int id(StateSet set, Map<StateSet, Integer> ids, List<StateSet> sets) {
        Integer id = ids.get(set);
        if (id == null) {
            id = sets.size();
            ids.put(set, id);
            sets.add(set);
        }
        return id;
    }

    /**
     * A DFA state: the NFA states it stands for, sorted. Kept as a short array because the subset
     * construction hashes one per transition; a {@code BitSet} over the whole NFA would cost its full
     * length (tens of thousands of bits for a long bounded string) on every hash.
     */
    private record StateSet(IntArrayKey key) {
        StateSet(int[] sorted) {
            this(new IntArrayKey(sorted));
        }

        int[] states() {
            return key.values();
        }

        boolean isEmpty() {
            return states().length == 0;
        }

        boolean contains(int s) {
            return Arrays.binarySearch(states(), s) >= 0;
        }
    }

    private static final int[] NO_STATES = new int[0];

    /** Thompson's construction: epsilon, byte-range and call edges. */
    private static final class Nfa {
        private final Map<String, Integer> ruleIds;
        /** Minimal automata of call-free repetition bodies, or null to build them by Thompson's construction. */
        private final Map<Expr, Body> bodies;
        private final List<List<int[]>> byteEdges = new ArrayList<>();
        private final List<List<Integer>> epsilon = new ArrayList<>();
        private final List<List<int[]>> callEdges = new ArrayList<>();
        /** Per NFA state, the stamp of the last search that reached it. */
        private int[] seen = new int[0];
        private int mark;

        Nfa(Map<String, Integer> ruleIds, Map<Expr, Body> bodies) {
            this.ruleIds = ruleIds;
            this.bodies = bodies;
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
            Body body = bodies != null && callsNothing(r.body()) ? body(r.body()) : null;
            int at = from;
            for (int i = 0; i < r.min(); i++) {
                at = addBody(r.body(), body, at);
            }
            if (r.max() == Expr.UNBOUNDED) {
                int loop = newState();
                epsilon.get(at).add(loop);
                epsilon.get(addBody(r.body(), body, loop)).add(loop);
                return loop;
            }
            int to = newState();
            for (int i = r.min(); i < r.max(); i++) {
                epsilon.get(at).add(to);
                at = addBody(r.body(), body, at);
            }
            epsilon.get(at).add(to);
            return to;
        }

        /** One copy of a repetition's body: its minimal automaton where there is one, else Thompson's. */
        private int addBody(Expr expr, Body body, int from) {
            if (body == null) {
                return add(expr, from);
            }
            int base = byteEdges.size();
            for (int s = 0; s < body.edges().length; s++) {
                newState();
            }
            int end = newState();
            epsilon.get(from).add(base);
            for (int s = 0; s < body.edges().length; s++) {
                int[] edges = body.edges()[s];
                for (int i = 0; i < edges.length; i += 3) {
                    byteEdges.get(base + s).add(new int[] {edges[i], edges[i + 1], base + edges[i + 2]});
                }
                if (body.accepting()[s]) {
                    epsilon.get(base + s).add(end);
                }
            }
            return end;
        }

        private Body body(Expr expr) {
            Body body = bodies.get(expr);
            if (body == null) {
                body = Body.of(build(expr, ruleIds, bodies).minimal());
                bodies.put(expr, body);
            }
            return body;
        }

        private static boolean callsNothing(Expr e) {
            if (e instanceof Expr.Call) {
                return false;
            }
            if (e instanceof Expr.Seq s) {
                return s.parts().stream().allMatch(Nfa::callsNothing);
            }
            if (e instanceof Expr.Alt a) {
                return a.options().stream().allMatch(Nfa::callsNothing);
            }
            return !(e instanceof Expr.Repeat r) || callsNothing(r.body());
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

        /** The states reachable from {@code seeds} by epsilon edges, seeds included. */
        StateSet closure(int[] seeds) {
            int mark = nextMark();
            int[] found = new int[Math.max(16, seeds.length)];
            int size = 0;
            for (int s : seeds) {
                if (seen[s] != mark) {
                    seen[s] = mark;
                    found = append(found, size++, s);
                }
            }
            for (int i = 0; i < size; i++) {
                for (int t : epsilon.get(found[i])) {
                    if (seen[t] != mark) {
                        seen[t] = mark;
                        found = append(found, size++, t);
                    }
                }
            }
            int[] states = Arrays.copyOf(found, size);
            Arrays.sort(states);
            return new StateSet(states);
        }

        /**
         * Per byte class, the states its bytes lead to from {@code set}, sorted. Classes between the
         * same edge ends share one array, so the caller can tell them alike by identity; the targets
         * of such a run are gathered once rather than once per class.
         */
        int[][] byteTargets(StateSet set, int[] byteClass, int numClasses) {
            boolean[] runStarts = new boolean[numClasses + 1];
            int numEdges = 0;
            for (int s : set.states()) {
                for (int[] e : byteEdges.get(s)) {
                    runStarts[byteClass[e[0]]] = true;
                    runStarts[byteClass[e[1]] + 1] = true;
                    numEdges++;
                }
            }
            int[][] out = new int[numClasses][];
            int[] found = new int[Math.max(1, numEdges)];
            int[] run = NO_STATES;
            for (int c = 0; c < numClasses; c++) {
                if (runStarts[c] || c == 0) {
                    int size = 0;
                    for (int s : set.states()) {
                        for (int[] e : byteEdges.get(s)) {
                            if (byteClass[e[0]] <= c && c <= byteClass[e[1]]) {
                                found[size++] = e[2];
                            }
                        }
                    }
                    run = sortedDistinct(found, size);
                }
                out[c] = run;
            }
            return out;
        }

        private static int[] sortedDistinct(int[] values, int size) {
            if (size <= 1) {
                return size == 0 ? NO_STATES : new int[] {values[0]};
            }
            Arrays.sort(values, 0, size);
            int n = 1;
            for (int i = 1; i < size; i++) {
                if (values[i] != values[n - 1]) {
                    values[n++] = values[i];
                }
            }
            return Arrays.copyOf(values, n);
        }

        TreeMap<Integer, List<Integer>> callTargets(StateSet set) {
            TreeMap<Integer, List<Integer>> out = new TreeMap<>();
            for (int s : set.states()) {
                for (int[] e : callEdges.get(s)) {
                    out.computeIfAbsent(e[0], k -> new ArrayList<>()).add(e[1]);
                }
            }
            return out;
        }

        /** A fresh stamp for {@code seen}, so marking visited states needs no clearing between searches. */
        private int nextMark() {
            if (seen.length < byteEdges.size()) {
                seen = new int[byteEdges.size()];
                mark = 0;
            }
            return ++mark;
        }

        private static int[] append(int[] array, int at, int value) {
            int[] out = at == array.length ? Arrays.copyOf(array, at * 2) : array;
            out[at] = value;
            return out;
        }
    }
}
