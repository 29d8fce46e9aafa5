package io.flinfer.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.models.BundledModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streaming detokenization with the real stories260K tokenizer, whose unknown characters fall back to bytes. */
class IncrementalDetokenizerTest {
    private static final char REPLACEMENT = '\uFFFD';
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(BundledModels.stories260K());
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    @Test
    void emitsAByteFallbackCharacterInOnePieceOnceComplete() {
        int[] ids = tokenizer.encodeWithoutSpecialTokens("a 🦊 b");
        int fox = indexOf(ids, 3 + 0xF0); // the fox is <0xF0> <0x9F> <0xA6> <0x8A>
        IncrementalDetokenizer detokenizer = tokenizer.newDetokenizer();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(detokenizer.append(id));
        }
        pieces.add(detokenizer.flush());

        assertThat(pieces.subList(fox, fox + 3)).containsOnly("");
        assertThat(pieces.get(fox + 3)).isEqualTo("🦊");
        assertThat(String.join("", pieces)).isEqualTo("a 🦊 b");
    }

    @Test
    void neverEmitsHalfACharacterAndConcatenatesToTheFullDecode() {
        Random random = new Random(42);
        String[] alphabet = {"a", "b", "e", "o", "t", " ", "  ", "\n", ".", "€", "é", "ñ", "中", "文", "🦊", "😀", "👍🏽"};
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(20); n > 0; n--) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            int[] ids = tokenizer.encodeWithoutSpecialTokens(text.toString());
            IncrementalDetokenizer detokenizer = tokenizer.newDetokenizer();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                String piece = detokenizer.append(id);
                assertWholeCharacters(piece, text);
                streamed.append(piece);
            }
            String rest = detokenizer.flush();
            assertWholeCharacters(rest, text);
            streamed.append(rest);
            assertThat(streamed.toString()).as("text %s", text).isEqualTo(tokenizer.decode(ids));
        }
    }

    @Test
    void continuesThePromptWithTheRightSpacing() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(BundledModels.stories260KGreedyGolden()).get("cases");
        for (JsonNode c : cases) {
            int[] prompt = TokenizerTest.ints(c.get("prompt_ids"));
            int[] all = TokenizerTest.promptAndContinuation(c);
            IncrementalDetokenizer detokenizer = tokenizer.newDetokenizer(prompt);
            StringBuilder streamed = new StringBuilder();
            List<String> pieces = new ArrayList<>();
            for (int id : Arrays.copyOfRange(all, prompt.length, all.length)) {
                pieces.add(detokenizer.append(id));
            }
            pieces.add(detokenizer.flush());
            pieces.forEach(streamed::append);

            String whole = tokenizer.decode(all);
            String promptText = tokenizer.decode(prompt);
            assertThat(promptText + streamed).isEqualTo(whole);
            assertThat(promptText + streamed + "\n").isEqualTo(c.get("text").asText());
        }
        IncrementalDetokenizer afterLily = tokenizer.newDetokenizer(tokenizer.encode("Lily and Ben"));
        assertThat(afterLily.append(382)).isEqualTo(" we"); // "▁we": a word inside the text keeps its space
        IncrementalDetokenizer fromNothing = tokenizer.newDetokenizer();
        assertThat(fromNothing.append(382)).isEqualTo("we"); // the first word of a text has none
    }

    @Test
    void decodesOnlyABoundedWindowPerToken() throws Exception {
        JsonNode first = new ObjectMapper().readTree(BundledModels.stories260KGreedyGolden()).get("cases").get(0);
        int[] prompt = TokenizerTest.ints(first.get("prompt_ids"));
        int[] greedy = TokenizerTest.ints(first.get("greedy_ids"));
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger longest = new AtomicInteger();
        Function<int[], String> countingDecode = ids -> {
            calls.incrementAndGet();
            longest.accumulateAndGet(ids.length, Math::max);
            return tokenizer.decode(ids);
        };
        IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(countingDecode, prompt);
        for (int id : greedy) {
            detokenizer.append(id);
        }
        assertThat(greedy.length).isGreaterThan(200);
        assertThat(calls.get()).isLessThanOrEqualTo(2 * greedy.length);
        assertThat(longest.get()).isLessThanOrEqualTo(IncrementalDetokenizer.PROMPT_CONTEXT + 1);
    }

    @Test
    void emitsInvalidBytesAsReplacementCharactersWithoutGrowingTheWindow() {
        int continuationByte = 3 + 0x80; // <0x80> can never start a character
        AtomicInteger longest = new AtomicInteger();
        IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(ids -> {
            longest.accumulateAndGet(ids.length, Math::max);
            return tokenizer.decode(ids);
        }, new int[0]);
        int[] ids = new int[41];
        Arrays.fill(ids, continuationByte);
        ids[40] = 407; // "▁upon"
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            streamed.append(detokenizer.append(id));
        }
        streamed.append(detokenizer.flush());

        assertThat(streamed.toString()).isEqualTo(String.valueOf(REPLACEMENT).repeat(40) + " upon");
        assertThat(streamed.toString()).isEqualTo(tokenizer.decode(ids));
        assertThat(longest.get()).isLessThanOrEqualTo(2 * IncrementalDetokenizer.MAX_PENDING);
    }

    private static void assertWholeCharacters(String piece, CharSequence text) {
        assertThat(piece).as("piece of %s", text).doesNotContain(String.valueOf(REPLACEMENT));
        if (!piece.isEmpty()) {
            assertThat(Character.isLowSurrogate(piece.charAt(0))).as("piece %s starts mid-character", piece).isFalse();
            assertThat(Character.isHighSurrogate(piece.charAt(piece.length() - 1)))
                    .as("piece %s ends mid-character", piece).isFalse();
        }
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        throw new AssertionError(id + " not in " + Arrays.toString(ids));
    }
}
