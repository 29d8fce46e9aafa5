package io.flinfer.engine.synth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Learns byte-pair-encoding merges from a text, the way SentencePiece-style Llama tokenizers see it:
 * each whitespace-separated word starts with {@code ▁}. Pairs are merged most frequent first (ties by
 * the pair's text, so the result never depends on hash order) until the vocabulary is full or no
 * pair occurs twice.
 */
final class BpeTrainer {
    static final String SPACE = "\u2581";

    /** The symbols that start the vocabulary (single characters) and the merges, in rank order. */
    record Result(List<String> alphabet, List<String[]> merges, List<String> mergedTokens) {}

    private BpeTrainer() {}

    /** @param capacity the most tokens (characters plus merged tokens) the vocabulary has room for */
    static Result train(String text, int capacity) {
        Map<String, Integer> wordCounts = new TreeMap<>();
        for (String word : text.strip().split("\\s+")) {
            wordCounts.merge(SPACE + word, 1, Integer::sum);
        }
        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        Map<String, Integer> charCounts = new HashMap<>();
        wordCounts.forEach((word, count) -> {
            List<String> symbols = new ArrayList<>(word.codePoints().mapToObj(Character::toString).toList());
            symbols.forEach(s -> charCounts.merge(s, count, Integer::sum));
            words.add(symbols);
            counts.add(count);
        });
        List<String> alphabet = charCounts.keySet().stream()
                .sorted(Comparator.comparing((String s) -> -charCounts.get(s)).thenComparing(s -> s))
                .limit(capacity)
                .toList();
        Set<String> vocab = new LinkedHashSet<>(alphabet);
        List<String[]> merges = new ArrayList<>();
        List<String> mergedTokens = new ArrayList<>();
        while (vocab.size() < capacity) {
            String[] best = mostFrequentPair(words, counts, vocab);
            if (best == null) {
                break;
            }
            String merged = best[0] + best[1];
            merges.add(best);
            if (vocab.add(merged)) {
                mergedTokens.add(merged);
            }
            words.forEach(symbols -> apply(symbols, best[0], best[1]));
        }
        return new Result(alphabet, merges, mergedTokens);
    }

    /** The pair of known symbols that occurs most often, at least twice; null when there is none. */
    private static String[] mostFrequentPair(List<List<String>> words, List<Integer> counts, Set<String> vocab) {
        Map<String, Integer> pairCounts = new HashMap<>();
        for (int w = 0; w < words.size(); w++) {
            List<String> symbols = words.get(w);
            for (int i = 0; i + 1 < symbols.size(); i++) {
                if (vocab.contains(symbols.get(i)) && vocab.contains(symbols.get(i + 1))) {
                    pairCounts.merge(symbols.get(i) + " " + symbols.get(i + 1), counts.get(w), Integer::sum);
                }
            }
        }
        return pairCounts.entrySet().stream()
                .filter(e -> e.getValue() >= 2)
                .max(Comparator.comparing((Map.Entry<String, Integer> e) -> e.getValue())
                        .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
                .map(e -> e.getKey().split(" ", 2))
                .orElse(null);
    }

    private static void apply(List<String> symbols, String left, String right) {
        for (int i = 0; i + 1 < symbols.size(); i++) {
            if (symbols.get(i).equals(left) && symbols.get(i + 1).equals(right)) {
                symbols.set(i, left + right);
                symbols.remove(i + 1);
            }
        }
    }
}
