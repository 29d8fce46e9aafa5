package io.flinfer.bench;

import io.flinfer.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Random benchmark prompts as text, for a pipeline that takes text and tokenizes it itself.
 * Random ids do not survive decoding and encoding again (byte pieces, filler tokens), so the
 * prompts are drawn from the vocabulary's words instead: tokens that decode to a plain word and
 * stay one token after a space. A prompt of n such words tokenizes to about n tokens. Each
 * request's prompt ids are what the pipeline's tokenizer makes of the text ({@link Tokenizer#encode},
 * as the prepare step does), so the engine alone and the pipeline compute the same prompts.
 */
public final class TextPrompts {
    /** A benchmark request with its prompt as text; {@code tokens.promptIds()} is that text tokenized. */
    public record TextRequest(String prompt, BenchRequest tokens) {}

    private static final Pattern WORD = Pattern.compile("[A-Za-z]{2,}");

    private final Tokenizer tokenizer;
    private final RandomDataset words;
    private final int bosTokens;

    public TextPrompts(Tokenizer tokenizer, long seed) {
        this.tokenizer = tokenizer;
        Set<Integer> wordIds = IntStream.range(0, tokenizer.vocabSize()).filter(this::isWord).boxed()
                .collect(Collectors.toSet());
        if (wordIds.size() < 10) {
            throw new IllegalArgumentException("the tokenizer has only " + wordIds.size()
                    + " tokens that are whole words; text prompts of chosen lengths cannot be built from it");
        }
        Set<Integer> others = new HashSet<>();
        IntStream.range(0, tokenizer.vocabSize()).filter(id -> !wordIds.contains(id)).forEach(others::add);
        words = new RandomDataset(tokenizer.vocabSize(), others, seed);
        bosTokens = tokenizer.encode("a").length - tokenizer.encodeWithoutSpecialTokens("a").length;
    }

    /** A word token: decodes to letters only, and after a space it is still that one token. */
    private boolean isWord(int id) {
        String word = tokenizer.decode(new int[] {id}).strip();
        if (!WORD.matcher(word).matches()) {
            return false;
        }
        int[] alone = tokenizer.encodeWithoutSpecialTokens("a");
        int[] after = tokenizer.encodeWithoutSpecialTokens("a " + word);
        return after.length == alone.length + 1 && after[after.length - 1] == id;
    }

    /** {@code n} requests whose prompts tokenize to about {@code input} tokens (special tokens included). */
    public List<TextRequest> requests(int n, TokenRange input, TokenRange output) {
        int extra = bosTokens;
        TokenRange wordCount = new TokenRange(Math.max(1, input.min() - extra), Math.max(1, input.max() - extra));
        List<TextRequest> requests = new ArrayList<>(n);
        for (BenchRequest drawn : words.requests(n, wordCount, output)) {
            String prompt = Arrays.stream(drawn.promptIds())
                    .mapToObj(id -> tokenizer.decode(new int[] {id}).strip())
                    .collect(Collectors.joining(" "));
            requests.add(new TextRequest(prompt, new BenchRequest(drawn.id(), tokenizer.encode(prompt), drawn.outputLen())));
        }
        return requests;
    }
}
