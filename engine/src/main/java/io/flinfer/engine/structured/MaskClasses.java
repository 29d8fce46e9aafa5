package io.flinfer.engine.structured;

import java.util.HashMap;
import java.util.Map;

/**
 * States of one rule that no token can tell apart: their automata agree on every byte string as long
 * as the longest token (Moore's partition refinement, stopped after that many rounds). A token mask
 * depends only on what the next token's bytes can do, so such states share one mask and one trie walk.
 * This is what keeps a bounded repetition cheap: the 400 character positions of a string with
 * {@code maxLength: 400} fall into a few dozen classes (those near the bounds) instead of 400 walks.
 *
 * <p>Only rules that call no other rule are merged: a call's return would make the future depend on
 * the caller's states as well. Other rules keep a class per state.
 */
final class MaskClasses {
    private MaskClasses() {}

    /**
     * Per state of {@code rule}, its class: states in one class get the same token mask. Null when the
     * rule calls others (every state is its own class).
     *
     * @param depth the longest token, in bytes
     */
    static int[] of(RuleDfa rule, int depth) {
        int n = rule.numStates();
        int[] classes = new int[n];
        for (int s = 0; s < n; s++) {
            if (rule.calls[s].length > 0) {
                return null;
            }
            classes[s] = (rule.accepting[s] ? 1 : 0) | (rule.hasBytes[s] ? 2 : 0);
        }
        int count = renumber(classes);
        for (int round = 0; round < depth; round++) {
            int[] refined = refine(rule, classes);
            int refinedCount = renumber(refined);
            classes = refined;
            if (refinedCount == count) {
                break; // stable: further rounds split nothing
            }
            count = refinedCount;
        }
        return classes;
    }

    /** Each state's class, split by the classes its bytes lead to. */
    private static int[] refine(RuleDfa rule, int[] classes) {
        int n = rule.numStates();
        int[] refined = new int[n];
        Map<IntArrayKey, Integer> ids = new HashMap<>();
        for (int s = 0; s < n; s++) {
            int[] signature = new int[rule.numClasses + 1];
            signature[0] = classes[s];
            for (int c = 0; c < rule.numClasses; c++) {
                int t = rule.next[s * rule.numClasses + c];
                signature[c + 1] = t < 0 ? -1 : classes[t];
            }
            refined[s] = ids.computeIfAbsent(new IntArrayKey(signature), k -> ids.size());
        }
        return refined;
    }

    /** Numbers classes 0.. in order of first appearance; returns how many there are. */
    private static int renumber(int[] classes) {
        Map<Integer, Integer> ids = new HashMap<>();
        for (int s = 0; s < classes.length; s++) {
            classes[s] = ids.computeIfAbsent(classes[s], k -> ids.size());
        }
        return ids.size();
    }
}
