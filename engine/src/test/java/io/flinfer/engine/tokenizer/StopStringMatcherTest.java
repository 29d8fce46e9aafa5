package io.flinfer.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.models.BundledModels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    @Test
    void passesTextThroughWhenNothingCouldStartAStop() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("STOP"));
        assertThat(matcher.accept("hello ")).isEqualTo("hello ");
        assertThat(matcher.accept("world")).isEqualTo("world");
        assertThat(matcher.stopped()).isFalse();
        assertThat(matcher.flush()).isEmpty();
    }

    @Test
    void cutsBeforeAStopStringInsideOnePiece() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("\n\n"));
        assertThat(matcher.accept("one\n\ntwo")).isEqualTo("one");
        assertThat(matcher.stopped()).isTrue();
        assertThat(matcher.matchedStopString()).isEqualTo("\n\n");
        assertThat(matcher.accept("more")).isEmpty();
        assertThat(matcher.flush()).isEmpty();
    }

    @Test
    void holdsBackAPossibleStartAndCutsAStopSpanningPieces() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("The End"));
        assertThat(matcher.accept("and that was it. Th")).isEqualTo("and that was it. ");
        assertThat(matcher.accept("e E")).isEmpty();
        assertThat(matcher.accept("nd!")).isEmpty();
        assertThat(matcher.stopped()).isTrue();
        assertThat(matcher.matchedStopString()).isEqualTo("The End");
    }

    @Test
    void releasesHeldBackTextThatTurnsOutNotToBeAStop() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("The End"));
        assertThat(matcher.accept("The ")).isEmpty();
        assertThat(matcher.accept("Endless")).isEmpty(); // "The End" completes inside "Endless": a stop
        StopStringMatcher other = new StopStringMatcher(List.of("The End"));
        assertThat(other.accept("The ")).isEmpty();
        assertThat(other.accept("Eagle")).isEqualTo("The Eagle");
        assertThat(other.accept(" T")).isEqualTo(" ");
        assertThat(other.flush()).isEqualTo("T");
        assertThat(other.stopped()).isFalse();
    }

    @Test
    void stopsAtTheEarliestOfSeveralStopStrings() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("world", "lo"));
        assertThat(matcher.accept("hello world")).isEqualTo("hel");
        assertThat(matcher.matchedStopString()).isEqualTo("lo");
    }

    @Test
    void withoutStopStringsEverythingPasses() {
        StopStringMatcher matcher = new StopStringMatcher(List.of());
        assertThat(matcher.accept("anything")).isEqualTo("anything");
        assertThat(matcher.flush()).isEmpty();
    }

    @Test
    void rejectsEmptyStopStrings() {
        assertThatThrownBy(() -> new StopStringMatcher(List.of("ok", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty");
    }

    @Test
    void stopsAGreedyStoryAtAStopStringSpanningTokens() throws Exception {
        JsonNode first = new ObjectMapper().readTree(BundledModels.stories260KGreedyGolden()).get("cases").get(0);
        int[] prompt = TokenizerTest.ints(first.get("prompt_ids"));
        int[] all = TokenizerTest.promptAndContinuation(first);
        try (Tokenizer tokenizer = Tokenizer.load(BundledModels.stories260K())) {
            String continuation = tokenizer.decode(all).substring(tokenizer.decode(prompt).length());
            String stop = "she saw a big"; // four tokens: "▁she" "▁saw" "▁a" "▁big"
            assertThat(continuation).contains(stop);

            IncrementalDetokenizer detokenizer = tokenizer.newDetokenizer(prompt);
            StopStringMatcher matcher = new StopStringMatcher(List.of(stop));
            StringBuilder output = new StringBuilder();
            int consumed = 0;
            for (int id : Arrays.copyOfRange(all, prompt.length, all.length)) {
                output.append(matcher.accept(detokenizer.append(id)));
                consumed++;
                if (matcher.stopped()) {
                    break;
                }
            }
            assertThat(matcher.stopped()).isTrue();
            assertThat(output.toString()).isEqualTo(continuation.substring(0, continuation.indexOf(stop)));
            assertThat(tokenizer.decode(Arrays.copyOfRange(all, prompt.length, prompt.length + consumed)))
                    .endsWith(stop);
        }
    }
}
