package io.flinfer.engine.structured;

import java.util.Arrays;

/**
 * One request's place in its grammar: which tokens may come next, and the state after each token
 * generated. Rebuilt after a restore by accepting the tokens generated before it. Not thread-safe.
 */
public final class GrammarMatcher {
    /** How many bytes of forced text {@link #forcedTokens} spells at most in one call, beyond the longest token. */
    static final int FORCED_LOOKAHEAD = 256;

    private final TokenMasks masks;
    private MatchState state;

    GrammarMatcher(TokenMasks masks) {
        this.masks = masks;
        this.state = masks.grammar.start();
    }

    /** A bitset over token ids ({@code (vocabSize + 63) / 64} longs) to fill with {@link #fillMask}. */
    public long[] newMask() {
        return new long[masks.words()];
    }

    /**
     * The tokens allowed next: those that keep the output a prefix of the language, and end of
     * sequence where the output is complete. Never empty: where no token can continue (a
     * vocabulary without a byte the grammar needs) end of sequence is allowed.
     */
    public void fillMask(long[] mask) {
        masks.fill(state, mask);
        for (long w : mask) {
            if (w != 0) {
                return;
            }
        }
        for (int eos : masks.vocab.eosTokenIds) {
            mask[eos >>> 6] |= 1L << eos;
        }
    }

    /** Advances past a generated token; false when the token does not fit (then the state is unchanged). */
    public boolean accept(int token) {
        byte[] bytes = token < masks.vocab.bytes.length ? masks.vocab.bytes[token] : null;
        if (isEos(token)) {
            return state.complete();
        }
        if (bytes == null) {
            return false;
        }
        MatchState next = masks.grammar.advance(state, bytes);
        if (next.isDead()) {
            return false;
        }
        state = next;
        return true;
    }

    /**
     * The tokens of the text the grammar forces next, for jump-forward: while the output is
     * incomplete and exactly one byte can follow, that byte is forced (the next property name of a
     * schema, a literal's rest). The forced text is spelled greedily, each token the longest whose
     * bytes begin what is left. Empty where the next byte is free or the vocabulary cannot spell it.
     *
     * <p>At most {@value #FORCED_LOOKAHEAD} bytes are read ahead, and where the forced text goes on
     * beyond them, only the tokens that the unread bytes could not have made longer are returned: the
     * spelling depends on the forced text alone, so taking these tokens at once or one at a time (the
     * first of each call) gives the same tokens.
     */
    public int[] forcedTokens() {
        TokenVocabulary vocab = masks.vocab;
        int limit = FORCED_LOOKAHEAD + vocab.longestToken;
        byte[] forced = masks.grammar.forcedBytes(state, limit);
        // A token starting at i reads at most longestToken bytes: settled if they are all known.
        int settled = forced.length < limit ? forced.length : forced.length - vocab.longestToken;
        int[] tokens = new int[forced.length];
        int n = 0;
        for (int i = 0; i < settled; ) {
            int token = vocab.longestPrefixToken(forced, i, forced.length);
            if (token < 0) {
                break;
            }
            tokens[n++] = token;
            i += vocab.bytes[token].length;
        }
        return Arrays.copyOf(tokens, n);
    }

    /** Whether the output is complete and nothing can follow: the request can end without an EOS token. */
    public boolean isTerminated() {
        return state.isTerminated();
    }

    private boolean isEos(int token) {
        for (int eos : masks.vocab.eosTokenIds) {
            if (eos == token) {
                return true;
            }
        }
        return false;
    }
}
