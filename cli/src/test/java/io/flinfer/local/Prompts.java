package io.flinfer.local;

import java.util.ArrayList;
import java.util.List;

/** Distinct story openings, the kind of text stories260K was trained on. */
final class Prompts {
    private static final String[] NAMES = {"Lily", "Tom", "Sue", "Ben", "Max", "Anna", "Tim", "Mia", "Sam", "Zoe",
        "Jack", "Lucy", "Bob", "Emma", "Leo", "Kate", "Dan", "Ella", "Joe", "Amy"};
    private static final String[] DEEDS = {"found a red ball", "went to the park", "saw a big dog", "had a little cat",
        "wanted to play", "liked to sing", "made a cake", "lost a toy", "climbed a tree", "met a bird"};

    private Prompts() {}

    /** {@code n} different prompts, at most 200. */
    static List<String> stories(int n) {
        if (n > NAMES.length * DEEDS.length) {
            throw new IllegalArgumentException("at most " + NAMES.length * DEEDS.length + " distinct prompts, asked for " + n);
        }
        List<String> prompts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            prompts.add("Once upon a time, " + NAMES[i % NAMES.length] + " " + DEEDS[i / NAMES.length] + ".");
        }
        return prompts;
    }
}
