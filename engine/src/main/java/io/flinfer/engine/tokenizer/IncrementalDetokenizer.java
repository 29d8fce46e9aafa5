package io.flinfer.engine.tokenizer;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Turns a stream of generated token ids into text pieces, vLLM style: it decodes a short window of recent
 * tokens with and without the new ones and emits the difference. Decoding a window rather than single
 * tokens keeps SentencePiece's word-leading spaces right, and holding back while the text ends in U+FFFD
 * keeps a character whose UTF-8 bytes arrive as separate byte-fallback tokens in one piece. The
 * concatenation of everything {@link #append} and {@link #flush} return equals the decoding of all
 * appended tokens (after the prompt context); only a run of more than {@link #MAX_PENDING} tokens that
 * never completes a character is cut short, and comes out as U+FFFD. Each call decodes only the window,
 * so the cost per token does not grow with the output. One instance per sequence; not thread-safe.
 */
public final class IncrementalDetokenizer {
    /** Prompt tokens kept as context, as vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET. */
    static final int PROMPT_CONTEXT = 5;
    /**
     * Tokens held back at most. A UTF-8 character has at most 4 bytes, so a longer run that still ends in
     * U+FFFD is invalid bytes, which are then emitted as U+FFFD rather than growing the window.
     */
    static final int MAX_PENDING = 8;
    private static final char REPLACEMENT = '\uFFFD';

    private final Function<int[], String> decoder;
    /** The window: the tokens of the last emitted piece (before readOffset), then those not emitted yet. */
    private int[] window;
    private int size;
    private int readOffset;
    /** Decoding of window[0, readOffset), or null when it must be computed again. */
    private String prefixText;

    /**
     * @param decoder decodes ids to text, skipping special tokens
     * @param context the prompt's ids; the last few serve as context so the first piece has the right spacing
     */
    IncrementalDetokenizer(Function<int[], String> decoder, int[] context) {
        this.decoder = decoder;
        this.size = Math.min(context.length, PROMPT_CONTEXT);
        this.window = new int[PROMPT_CONTEXT + MAX_PENDING];
        System.arraycopy(context, context.length - size, window, 0, size);
        this.readOffset = size;
    }

    /** Adds one generated token and returns the text it completes; empty while a character is unfinished. */
    public String append(int tokenId) {
        if (size == window.length) {
            window = Arrays.copyOf(window, size * 2);
        }
        window[size++] = tokenId;
        String prefix = prefixText();
        String text = decoder.apply(Arrays.copyOf(window, size));
        boolean complete = text.length() > prefix.length() && text.charAt(text.length() - 1) != REPLACEMENT;
        if (complete || size - readOffset >= MAX_PENDING) {
            return advance(prefix, text);
        }
        return "";
    }

    /** Returns the text still held back (an unfinished character comes out as U+FFFD); call at the end. */
    public String flush() {
        if (size == readOffset) {
            return "";
        }
        return advance(prefixText(), decoder.apply(Arrays.copyOf(window, size)));
    }

    /** Emits the new text and slides the window so it starts at the first token not emitted before. */
    private String advance(String prefix, String text) {
        String piece = text.length() > prefix.length() ? text.substring(prefix.length()) : "";
        int keep = size - readOffset;
        System.arraycopy(window, readOffset, window, 0, keep);
        size = keep;
        readOffset = keep;
        prefixText = null;
        return piece;
    }

    private String prefixText() {
        if (prefixText == null) {
            prefixText = decoder.apply(Arrays.copyOf(window, readOffset));
        }
        return prefixText;
    }
}
