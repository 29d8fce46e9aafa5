package io.flinfer.engine.structured;

/**
 * One request's place in its grammar: which tokens may come next, and the state after each token
 * generated. Rebuilt after a restore by accepting the tokens generated before it. Not thread-safe.
 */
public final class GrammarMatcher {
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
