package io.flinfer.engine.structured;

import io.flinfer.engine.sampling.StructuredOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Generates text as a model under the mask would: each step draws one allowed token at random and
 * the matcher must accept it. Tokens with JSON punctuation and end of sequence are drawn 20 times as
 * often as others, so that strings and arrays close and most walks finish.
 */
final class RandomWalk {
    private RandomWalk() {}

    /** The text of a finished walk, or null when it ran out of {@code maxTokens}. */
    static String walk(StructuredOutputs outputs, StructuredOutput constraint, TokenVocabulary vocab,
            SplittableRandom random, int maxTokens) {
        GrammarMatcher m = outputs.matcher(constraint);
        long[] mask = m.newMask();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] weights = new int[vocab.size()];
        for (int i = 0; i < maxTokens; i++) {
            if (m.isTerminated()) {
                return out.toString(StandardCharsets.UTF_8);
            }
            m.fillMask(mask);
            int token = draw(mask, vocab, random, weights);
            if (token < 0) {
                throw new AssertionError("empty mask after " + out.toString(StandardCharsets.UTF_8));
            }
            if (!m.accept(token)) {
                throw new AssertionError("allowed token " + token + " was not accepted after "
                        + out.toString(StandardCharsets.UTF_8));
            }
            if (token == TestVocabularies.EOS) {
                return out.toString(StandardCharsets.UTF_8);
            }
            out.writeBytes(vocab.bytes[token]);
        }
        return null;
    }

    /**
     * One token of {@code mask} drawn at random, punctuation and end of sequence favoured; -1 when the
     * mask is empty.
     *
     * @param weights scratch space of the vocabulary's size
     */
    static int draw(long[] mask, TokenVocabulary vocab, SplittableRandom random, int[] weights) {
        int total = 0;
        for (int t = 0; t < vocab.size(); t++) {
            weights[t] = (mask[t >>> 6] & (1L << t)) == 0 ? 0 : weight(vocab, t);
            total += weights[t];
        }
        if (total == 0) {
            return -1;
        }
        int pick = random.nextInt(total);
        int token = 0;
        while (pick >= weights[token]) {
            pick -= weights[token++];
        }
        return token;
    }

    private static int weight(TokenVocabulary vocab, int t) {
        if (t == TestVocabularies.EOS) {
            return 20;
        }
        for (byte b : vocab.bytes[t]) {
            if ("\"{}[],:".indexOf(b) >= 0) {
                return 20;
            }
        }
        return 1;
    }
}
