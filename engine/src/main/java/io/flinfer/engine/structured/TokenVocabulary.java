package io.flinfer.engine.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A tokenizer's vocabulary as the constraint engine sees it, preprocessed once per tokenizer: each
 * token's bytes (byte-level, byte-fallback and multi-character tokens alike; null for special tokens,
 * which constrained output never contains) and a trie of all of them in byte order, so that a walk
 * through the trie tries every token while reading each shared prefix once.
 */
public final class TokenVocabulary {
    final byte[][] bytes;
    final int[] eosTokenIds;
    /** Token ids sorted by their bytes; a trie node covers a range of this array. */
    final int[] sorted;
    // Trie nodes: children are contiguous; tokens ending at a node are sorted[lo, endsHi).
    final int[] label;
    final int[] firstChild;
    final int[] numChildren;
    final int[] lo;
    final int[] hi;
    final int[] endsHi;
    /** The most bytes of any token: how far ahead a mask can look. */
    final int longestToken;

    /**
     * @param bytes per token id up to the model's vocabulary size, its bytes; null for tokens that
     *     constrained output must not contain
     * @param eosTokenIds the tokens that end a sequence; allowed exactly where the grammar is complete
     */
    public TokenVocabulary(byte[][] bytes, Set<Integer> eosTokenIds) {
        this.bytes = bytes.clone();
        this.eosTokenIds = eosTokenIds.stream().mapToInt(Integer::intValue).filter(t -> t < bytes.length).toArray();
        List<Integer> usable = new ArrayList<>();
        for (int t = 0; t < bytes.length; t++) {
            if (bytes[t] != null && bytes[t].length > 0 && !eosTokenIds.contains(t)) {
                usable.add(t);
            }
        }
        usable.sort((a, b) -> Arrays.compareUnsigned(bytes[a], bytes[b]));
        this.sorted = usable.stream().mapToInt(Integer::intValue).toArray();
        Trie trie = new Trie();
        trie.build(sorted, bytes);
        this.label = trie.label.stream().mapToInt(Integer::intValue).toArray();
        this.firstChild = trie.firstChild.stream().mapToInt(Integer::intValue).toArray();
        this.numChildren = trie.numChildren.stream().mapToInt(Integer::intValue).toArray();
        this.lo = trie.lo.stream().mapToInt(Integer::intValue).toArray();
        this.hi = trie.hi.stream().mapToInt(Integer::intValue).toArray();
        this.endsHi = trie.endsHi.stream().mapToInt(Integer::intValue).toArray();
        this.longestToken = Arrays.stream(sorted).map(t -> bytes[t].length).max().orElse(0);
    }

    /** The size of the model's vocabulary (the logits' last dimension). */
    public int size() {
        return bytes.length;
    }

    /**
     * The longest token whose bytes begin {@code bytes[from, to)}, or -1 where none does. Of tokens
     * with the same bytes, the highest id: SentencePiece vocabularies list their {@code <0xHH>}
     * byte-fallback tokens before the text pieces that a model sees in training.
     */
    int longestPrefixToken(byte[] bytes, int from, int to) {
        int best = -1;
        int node = 0;
        for (int i = from; i < to; i++) {
            node = child(node, bytes[i] & 0xFF);
            if (node < 0) {
                break;
            }
            if (endsHi[node] > lo[node]) {
                best = Arrays.stream(sorted, lo[node], endsHi[node]).max().getAsInt();
            }
        }
        return best;
    }

    /** The child of trie node {@code node} labelled {@code b}, or -1; children are in byte order. */
    private int child(int node, int b) {
        int low = firstChild[node];
        int high = low + numChildren[node] - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (label[mid] < b) {
                low = mid + 1;
            } else if (label[mid] > b) {
                high = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    int numTrieNodes() {
        return label.length;
    }

    /** Breadth-first, so each node's children get consecutive numbers. */
    private static final class Trie {
        final List<Integer> label = new ArrayList<>();
        final List<Integer> firstChild = new ArrayList<>();
        final List<Integer> numChildren = new ArrayList<>();
        final List<Integer> lo = new ArrayList<>();
        final List<Integer> hi = new ArrayList<>();
        final List<Integer> endsHi = new ArrayList<>();
        final List<Integer> depth = new ArrayList<>();

        void build(int[] sorted, byte[][] bytes) {
            add(-1, 0, sorted.length, 0);
            for (int n = 0; n < label.size(); n++) {
                int d = depth.get(n);
                int i = lo.get(n);
                int end = hi.get(n);
                while (i < end && bytes[sorted[i]].length == d) {
                    i++;
                }
                endsHi.set(n, i);
                firstChild.set(n, label.size());
                int children = 0;
                while (i < end) {
                    int b = bytes[sorted[i]][d] & 0xFF;
                    int j = i;
                    while (j < end && (bytes[sorted[j]][d] & 0xFF) == b) {
                        j++;
                    }
                    add(b, i, j, d + 1);
                    children++;
                    i = j;
                }
                numChildren.set(n, children);
            }
        }

        private void add(int b, int from, int to, int d) {
            label.add(b);
            firstChild.add(0);
            numChildren.add(0);
            lo.add(from);
            hi.add(to);
            endsHi.add(from);
            depth.add(d);
        }
    }
}
