package io.flinfer.engine.tokenizer;

import java.util.List;

/**
 * Cuts streamed text at the first stop string, as vLLM's stop strings do: the stop string itself is not
 * part of the output, and it is found even when it spans several pieces. Text that could be the start of a
 * stop string is held back until the next piece shows whether it is. One instance per sequence; not
 * thread-safe.
 */
public final class StopStringMatcher {
    private final List<String> stopStrings;
    private final int longestStop;
    private String heldBack = "";
    private String matched;

    public StopStringMatcher(List<String> stopStrings) {
        for (String stop : stopStrings) {
            if (stop == null || stop.isEmpty()) {
                throw new IllegalArgumentException("Stop strings must not be empty or null, got " + stopStrings);
            }
        }
        this.stopStrings = List.copyOf(stopStrings);
        this.longestStop = this.stopStrings.stream().mapToInt(String::length).max().orElse(0);
    }

    /**
     * Takes the next piece of generated text and returns what may be emitted now. When this piece completes a
     * stop string, returns the text before it and {@link #stopped()} becomes true; later pieces are ignored.
     */
    public String accept(String piece) {
        if (matched != null) {
            return "";
        }
        String text = heldBack + piece;
        int stopAt = -1;
        for (String stop : stopStrings) {
            int at = text.indexOf(stop);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) {
                stopAt = at;
                matched = stop;
            }
        }
        if (stopAt >= 0) {
            heldBack = "";
            return text.substring(0, stopAt);
        }
        int hold = partialStopLength(text);
        heldBack = text.substring(text.length() - hold);
        return text.substring(0, text.length() - hold);
    }

    /** Returns the text held back as a possible stop-string start; call when generation ends without a stop. */
    public String flush() {
        String rest = heldBack;
        heldBack = "";
        return rest;
    }

    /** Whether a stop string was found. */
    public boolean stopped() {
        return matched != null;
    }

    /** The stop string that was found, or null. */
    public String matchedStopString() {
        return matched;
    }

    /** Length of the longest end of text that is the beginning of some stop string. */
    private int partialStopLength(String text) {
        for (int length = Math.min(text.length(), longestStop - 1); length > 0; length--) {
            String tail = text.substring(text.length() - length);
            for (String stop : stopStrings) {
                if (stop.startsWith(tail)) {
                    return length;
                }
            }
        }
        return 0;
    }
}
