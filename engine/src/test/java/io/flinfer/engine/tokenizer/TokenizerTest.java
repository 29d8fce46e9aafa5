package io.flinfer.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.models.BundledModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real stories260K tokenizer against the ids and text that llama2.c produced (shared golden file). */
class TokenizerTest {
    private static Tokenizer tokenizer;
    private static JsonNode cases;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = Tokenizer.load(BundledModels.stories260K());
        cases = new ObjectMapper().readTree(BundledModels.stories260KGreedyGolden()).get("cases");
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    @Test
    void encodesTheGoldenPromptsWithBos() {
        assertThat(tokenizer.encode("Once upon a time")).containsExactly(1, 403, 407, 261, 378);
        assertThat(cases).hasSize(3);
        for (JsonNode c : cases) {
            assertThat(tokenizer.encode(c.get("prompt").asText()))
                    .as("prompt %s", c.get("prompt"))
                    .containsExactly(ints(c.get("prompt_ids")));
        }
    }

    @Test
    void encodesWithoutSpecialTokens() {
        assertThat(tokenizer.encodeWithoutSpecialTokens("Once upon a time")).containsExactly(403, 407, 261, 378);
        assertThat(tokenizer.encodeWithoutSpecialTokens("")).isEmpty();
    }

    @Test
    void decodesPromptAndGreedyContinuationToTheGoldenText() {
        for (JsonNode c : cases) {
            int[] ids = promptAndContinuation(c);
            // llama2.c prints the prompt, then each generated piece, then a final newline.
            assertThat(tokenizer.decode(ids) + "\n").as("case %s", c.get("prompt")).isEqualTo(c.get("text").asText());
        }
    }

    @Test
    void decodeSkipsSpecialTokensAndDropsTheFirstWordsLeadingSpace() {
        assertThat(tokenizer.decode(new int[] {1, 403, 407})).isEqualTo("Once upon");
        assertThat(tokenizer.decode(new int[] {407})).isEqualTo("upon");
        assertThat(tokenizer.decode(new int[] {403, 2, 407})).isEqualTo("Once upon");
        assertThat(tokenizer.decode(new int[0])).isEmpty();
    }

    @Test
    void roundTripsMultiByteTextThroughByteFallback() {
        String text = "Price: 5€ for 🦊 and 中文, naïve";
        int[] ids = tokenizer.encodeWithoutSpecialTokens(text);
        assertThat(ids).contains(3 + 0xF0); // <0xF0>, the first byte of the emoji, comes as a byte token
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
    }

    @Test
    void readsSpecialTokensAndVocabulary() {
        assertThat(tokenizer.bosTokenId()).isEqualTo(1);
        assertThat(tokenizer.eosTokenIds()).containsExactly(2);
        assertThat(tokenizer.vocabSize()).isEqualTo(512);
    }

    @Test
    void refusesChatWhenTheModelHasNoTemplate() {
        assertThat(tokenizer.hasChatTemplate()).isFalse();
        assertThatThrownBy(() -> tokenizer.applyChatTemplate(List.of(new ChatMessage("user", "hi")), true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no chat template");
    }

    @Test
    void encodesAndDecodesFromSeveralThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int task = 0; task < 16; task++) {
                JsonNode c = cases.get(task % cases.size());
                results.add(pool.submit(() -> {
                    int[] ids = promptAndContinuation(c);
                    String text = c.get("text").asText();
                    for (int i = 0; i < 50; i++) {
                        if (!(tokenizer.decode(ids) + "\n").equals(text)
                                || !Arrays.equals(tokenizer.encode(c.get("prompt").asText()), ints(c.get("prompt_ids")))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static int[] promptAndContinuation(JsonNode c) {
        int[] prompt = ints(c.get("prompt_ids"));
        int[] greedy = ints(c.get("greedy_ids"));
        // A final 1 (BOS) is where llama2.c stopped; it is not part of the text.
        int greedyLength = greedy.length > 0 && greedy[greedy.length - 1] == 1 ? greedy.length - 1 : greedy.length;
        return IntStream.concat(IntStream.of(prompt), IntStream.of(greedy).limit(greedyLength)).toArray();
    }

    static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
