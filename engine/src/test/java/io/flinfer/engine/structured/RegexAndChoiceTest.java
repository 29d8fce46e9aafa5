package io.flinfer.engine.structured;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.sampling.StructuredOutput;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Regexes and choices: every generated text is a full match, checked by java.util.regex. */
class RegexAndChoiceTest {
    private final TokenVocabulary vocab = TestVocabularies.mergeHeavy();
    private final StructuredOutputs outputs = new StructuredOutputs(vocab, 16);

    @ParameterizedTest
    @ValueSource(strings = {"[a-c]{2,4}", "(cat|dog)s?", "\\d{3}-\\d{2}", "^(?:yes|no)$", "[^\\s]{1,3}@ex\\.com",
            "\\w+( \\w+){0,3}\\.", "[A-Z][a-z]*", "(ab)+c?", "x{0,2}y{1}z?", "[日本é]{1,3}", "\\(\\d\\)",
            "(?<word>[a-f]+)-(?:\\d|\\.)+", "a.b", "[\\x41-\\x43\\u00e9]+", "(a|ab)(c|bcd)d*"})
    void everyGeneratedTextMatchesTheRegex(String regex) {
        Pattern pattern = Pattern.compile(regex);
        SplittableRandom random = new SplittableRandom(regex.hashCode());
        int finished = 0;
        for (int i = 0; i < 200; i++) {
            String text = RandomWalk.walk(outputs, StructuredOutput.regex(regex), vocab, random, 60);
            if (text != null) {
                finished++;
                assertThat(pattern.matcher(text).matches()).as("'%s' matches /%s/", text, regex).isTrue();
            }
        }
        assertThat(finished).isGreaterThan(100);
    }

    @Test
    void aChoiceGeneratesExactlyItsOptions() {
        StructuredOutput choice = new StructuredOutput(StructuredOutput.Kind.CHOICE, "[\"yes\",\"no\",\"not sure\"]", false);
        Set<String> seen = new HashSet<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            seen.add(RandomWalk.walk(outputs, choice, vocab, random, 20));
        }
        assertThat(seen).containsExactlyInAnyOrder("yes", "no", "not sure");
    }

    @Test
    void endOfSequenceIsAllowedOnlyWhereTheTextIsComplete() {
        GrammarMatcher m = outputs.matcher(StructuredOutput.regex("ab?"));
        long[] mask = m.newMask();
        m.fillMask(mask);
        assertThat(allowed(mask, TestVocabularies.EOS)).isFalse();
        assertThat(m.accept(3 + 'a')).isTrue();
        m.fillMask(mask);
        assertThat(allowed(mask, TestVocabularies.EOS)).isTrue();
        assertThat(allowed(mask, 3 + 'b')).isTrue();
        assertThat(allowed(mask, 3 + 'a')).isFalse();
        assertThat(m.accept(3 + 'b')).isTrue();
        assertThat(m.isTerminated()).isTrue();
    }

    @Test
    void aTokenThatCrossesTheEndOfANestedRuleIsCheckedAgainstTheRulesBelow() {
        // "x\":1}" is uncertain inside the string rule; it fits only where the object may close after 1.
        int crossing = tokenOf("x\":1}");
        StructuredOutput fits = StructuredOutput.jsonSchema("{\"properties\":{\"a\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}},\"required\":[\"a\"]}");
        GrammarMatcher m = outputs.matcher(fits);
        for (byte b : "{\"a\":{\"".getBytes()) {
            assertThat(m.accept(3 + (b & 0xFF))).isTrue();
        }
        long[] mask = m.newMask();
        m.fillMask(mask);
        assertThat(allowed(mask, crossing)).isTrue();
        GrammarMatcher other = outputs.matcher(StructuredOutput.jsonSchema(
                "{\"properties\":{\"a\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}},\"required\":[\"a\"]}"));
        for (byte b : "{\"a\":{\"".getBytes()) {
            other.accept(3 + (b & 0xFF));
        }
        other.fillMask(mask);
        assertThat(allowed(mask, crossing)).isFalse();
    }

    @Test
    void aRegexOutsideTheSupportedDialectIsRefusedByName() {
        for (var bad : List.of(List.of("(a)\\1", "backreferences"), List.of("(?=a)b", "lookahead"),
                List.of("\\bword", "word boundaries"), List.of("(ab", "expected ')'"), List.of("a{5,2}", "max < min"))) {
            assertThatThrownBy(() -> GrammarCompiler.compile(StructuredOutput.regex(bad.get(0))))
                    .isInstanceOf(ConstraintException.class).hasMessageContaining(bad.get(1));
        }
    }

    @Test
    void aCachedConstraintIsCompiledOnce() {
        StructuredOutputs fresh = new StructuredOutputs(vocab, 2);
        fresh.matcher(StructuredOutput.regex("a+"));
        fresh.matcher(StructuredOutput.regex("a+"));
        fresh.matcher(StructuredOutput.regex("b+"));
        fresh.matcher(StructuredOutput.regex("c+"));
        fresh.matcher(StructuredOutput.regex("a+"));
        StructuredOutputs.Stats stats = fresh.stats();
        assertThat(stats.requests()).isEqualTo(5);
        assertThat(stats.cacheHits()).isEqualTo(1);
        assertThat(stats.compiles()).isEqualTo(4);
    }

    @Test
    void maskTimeQuantilesAreOverTheRecentSteps() {
        StructuredOutputs fresh = new StructuredOutputs(vocab, 2);
        assertThat(fresh.recentMaskNanos(0.5)).as("no step yet").isZero();
        for (int step = 1; step <= 100; step++) {
            fresh.recordMaskTime(step);
        }
        assertThat(fresh.recentMaskNanos(0.5)).isEqualTo(50);
        assertThat(fresh.recentMaskNanos(0.99)).isEqualTo(99);
        for (int step = 0; step < StructuredOutputs.RECENT_STEPS; step++) {
            fresh.recordMaskTime(7);
        }
        assertThat(fresh.recentMaskNanos(0.99)).as("older steps have left the window").isEqualTo(7);
        assertThat(fresh.stats().maskSteps()).isEqualTo(100 + StructuredOutputs.RECENT_STEPS);
    }

    private int tokenOf(String text) {
        for (int t = 0; t < vocab.size(); t++) {
            if (vocab.bytes[t] != null && new String(vocab.bytes[t]).equals(text)) {
                return t;
            }
        }
        throw new AssertionError(text);
    }

    private static boolean allowed(long[] mask, int t) {
        return (mask[t >>> 6] & (1L << t)) != 0;
    }
}
