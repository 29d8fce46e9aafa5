package io.flinfer.engine.structured;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.StructuredOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text a grammar forces, spelled greedily: what jump-forward appends without sampling. */
class ForcedTokensTest {
    private final TokenVocabulary vocab = TestVocabularies.mergeHeavy();
    private final StructuredOutputs outputs = new StructuredOutputs(vocab, 16);

    @Test
    void aSchemasPropertyNamesAreForcedAndSpelledByTheLongestTokens() {
        GrammarMatcher m = outputs.matcher(StructuredOutput.jsonSchema(
                "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"abc\":{\"type\":\"boolean\"}},"
                        + "\"required\":[\"name\",\"abc\"]}"));

        assertThat(text(m.forcedTokens())).containsExactly("{\"", "name", "\":\"");
        accept(m, m.forcedTokens());
        assertThat(m.forcedTokens()).as("the string's characters are free").isEmpty();
        accept(m, tokens("x", "\""));
        assertThat(text(m.forcedTokens())).containsExactly(",", "\"", "abc", "\":");
        accept(m, m.forcedTokens());
        assertThat(text(m.forcedTokens())).as("true or false").isEmpty();
        accept(m, tokens("t"));
        assertThat(text(m.forcedTokens())).containsExactly("r", "u", "e", "}");
    }

    @Test
    void nothingIsForcedWhereTheTextMayEnd() {
        GrammarMatcher m = outputs.matcher(StructuredOutput.regex("ab(cd)?"));
        accept(m, m.forcedTokens());
        assertThat(m.forcedTokens()).isEmpty();
        assertThat(m.isTerminated()).isFalse();
    }

    @Test
    void longForcedTextIsSpelledAlikeAtOnceAndOneTokenAtATime() {
        String literal = "the cat and the dog abc ".repeat(40); // 960 bytes, beyond one call's lookahead
        StructuredOutput constraint = StructuredOutput.regex(literal + "(yes|no)");
        GrammarMatcher atOnce = outputs.matcher(constraint);
        List<Integer> together = new ArrayList<>();
        int calls = 0;
        for (int[] forced = atOnce.forcedTokens(); forced.length > 0; forced = atOnce.forcedTokens()) {
            together.addAll(Arrays.stream(forced).boxed().toList());
            accept(atOnce, forced);
            calls++;
        }
        GrammarMatcher oneByOne = outputs.matcher(constraint);
        List<Integer> single = new ArrayList<>();
        for (int[] forced = oneByOne.forcedTokens(); forced.length > 0; forced = oneByOne.forcedTokens()) {
            single.add(forced[0]);
            accept(oneByOne, new int[] {forced[0]});
        }

        assertThat(calls).as("each call spells at most its lookahead").isGreaterThanOrEqualTo(960 / GrammarMatcher.FORCED_LOOKAHEAD);
        assertThat(together).isEqualTo(single);
        assertThat(String.join("", text(together.stream().mapToInt(Integer::intValue).toArray()))).isEqualTo(literal);
        assertThat(together.size()).as("merges used").isLessThan(literal.length() * 2 / 3);
    }

    private void accept(GrammarMatcher m, int[] tokens) {
        for (int t : tokens) {
            assertThat(m.accept(t)).as("token %d", t).isTrue();
        }
    }

    private int[] tokens(String... texts) {
        int[] ids = new int[texts.length];
        for (int i = 0; i < texts.length; i++) {
            byte[] bytes = texts[i].getBytes(StandardCharsets.UTF_8);
            ids[i] = vocab.longestPrefixToken(bytes, 0, bytes.length);
            assertThat(vocab.bytes[ids[i]]).isEqualTo(bytes);
        }
        return ids;
    }

    private List<String> text(int[] tokens) {
        List<String> out = new ArrayList<>();
        for (int t : tokens) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(vocab.bytes[t]);
            out.add(b.toString(StandardCharsets.UTF_8));
        }
        return out;
    }
}
