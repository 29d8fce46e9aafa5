package io.flinfer.engine.structured;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which tokens a grammar allows, per automaton position, for one vocabulary: the approach of
 * xgrammar's adaptive token mask cache. For a position (rule, state), a walk through the vocabulary
 * trie sorts every token into one of three kinds without knowing the stack below: <em>accepted</em>
 * (its bytes are read inside the rule, calls included), <em>rejected</em> (they fail inside it), or
 * <em>uncertain</em> (they get as far as the rule's end and go on: whether they fit depends on the
 * rules below). At run time a matcher ORs the accepted bitsets of its stacks' top positions and
 * checks only the few uncertain tokens against its real stacks.
 *
 * <p>States that no token can tell apart ({@link MaskClasses}) share one analysis.
 *
 * <p>A position is analysed the first time a request reaches it and kept for the grammar's life:
 * shared by every request of the grammar, safe for concurrent readers (two threads may analyse the
 * same position once each; both get the same answer).
 */
final class TokenMasks {
    final Grammar grammar;
    final TokenVocabulary vocab;
    private final AtomicReferenceArray<PositionMask> positions;
    /** Per rule, its states' {@link MaskClasses}, worked out when a request first enters the rule. */
    private final AtomicReferenceArray<int[]> maskClasses;

    /** Marks a rule whose states are each their own class. */
    private static final int[] NO_CLASSES = new int[0];

    /** @param accepted bitset over token ids; {@code uncertain} token ids */
    record PositionMask(long[] accepted, int[] uncertain) {}

    TokenMasks(Grammar grammar, TokenVocabulary vocab) {
        this.grammar = grammar;
        this.vocab = vocab;
        this.positions = new AtomicReferenceArray<>(grammar.numPositions());
        this.maskClasses = new AtomicReferenceArray<>(grammar.rules.length);
    }

    int words() {
        return (vocab.size() + 63) >>> 6;
    }

    /** Fills {@code mask} (a bitset of {@link #words()} longs) with the tokens allowed in {@code state}. */
    void fill(MatchState state, long[] mask) {
        Arrays.fill(mask, 0L);
        for (Frame top : state.stacks()) {
            PositionMask p = position(top);
            long[] accepted = p.accepted();
            for (int w = 0; w < accepted.length; w++) {
                mask[w] |= accepted[w];
            }
            MatchState alone = new MatchState(List.of(top), false);
            for (int t : p.uncertain()) {
                if ((mask[t >>> 6] & (1L << t)) == 0 && !grammar.advance(alone, vocab.bytes[t]).isDead()) {
                    mask[t >>> 6] |= 1L << t;
                }
            }
        }
        if (state.complete()) {
            for (int eos : vocab.eosTokenIds) {
                mask[eos >>> 6] |= 1L << eos;
            }
        }
    }

    private PositionMask position(Frame top) {
        int index = grammar.position(top);
        PositionMask p = positions.get(index);
        if (p == null) {
            p = analyse(top.rule, top.state);
            positions.set(index, p);
            int[] classes = maskClasses(top.rule);
            if (classes != null) {
                int offset = grammar.positionOffset[top.rule];
                for (int s = 0; s < classes.length; s++) {
                    if (classes[s] == classes[top.state]) {
                        positions.compareAndSet(offset + s, null, p);
                    }
                }
            }
        }
        return p;
    }

    /** The rule's mask classes, or null where every state is its own class. */
    private int[] maskClasses(int rule) {
        int[] classes = maskClasses.get(rule);
        if (classes == null) {
            classes = MaskClasses.of(grammar.rules[rule], vocab.longestToken);
            maskClasses.set(rule, classes == null ? NO_CLASSES : classes);
        }
        return classes == NO_CLASSES ? null : classes;
    }

    private PositionMask analyse(int rule, int state) {
        MatchState local = grammar.close(List.of(new Frame(rule, state, null)));
        Walk walk = new Walk(words());
        // Returning at the start is not this position's business: the stacks below are in the state too.
        walk.children(0, new MatchState(local.stacks(), false), false);
        return new PositionMask(walk.accepted, Arrays.copyOf(walk.uncertain, walk.numUncertain));
    }

    private final class Walk {
        final long[] accepted;
        int[] uncertain = new int[64];
        int numUncertain;

        Walk(int words) {
            accepted = new long[words];
        }

        void children(int node, MatchState state, boolean returnedBefore) {
            boolean mayReturn = returnedBefore || state.complete();
            int first = vocab.firstChild[node];
            for (int c = first; c < first + vocab.numChildren[node]; c++) {
                MatchState next = grammar.advance(state, vocab.label[c]);
                if (!next.isDead()) {
                    for (int i = vocab.lo[c]; i < vocab.endsHi[c]; i++) {
                        int t = vocab.sorted[i];
                        accepted[t >>> 6] |= 1L << t;
                    }
                    if (vocab.numChildren[c] > 0) {
                        children(c, next, mayReturn);
                    }
                } else if (mayReturn) {
                    for (int i = vocab.lo[c]; i < vocab.hi[c]; i++) {
                        addUncertain(vocab.sorted[i]);
                    }
                }
            }
        }

        private void addUncertain(int t) {
            if (numUncertain == uncertain.length) {
                uncertain = Arrays.copyOf(uncertain, numUncertain * 2);
            }
            uncertain[numUncertain++] = t;
        }
    }
}
