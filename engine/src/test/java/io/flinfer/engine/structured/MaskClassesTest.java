package io.flinfer.engine.structured;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.StructuredOutput;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** States no token can tell apart share one mask, and the shared mask is the one their own walk gives. */
class MaskClassesTest {
    private final TokenVocabulary vocab = TestVocabularies.mergeHeavy();

    @Test
    void aBoundedRepetitionFallsIntoAFewClassesNearItsBounds() {
        RuleDfa rule = GrammarCompiler.compile(StructuredOutput.regex("[a-z]{20,400}")).rules[0];

        int[] classes = MaskClasses.of(rule, 8);

        assertThat(rule.numStates()).isGreaterThan(400);
        assertThat(Arrays.stream(classes).distinct().count()).as("about a class per position within 8 bytes of a bound")
                .isLessThanOrEqualTo(2 * 8 + 4);
    }

    @Test
    void aRuleThatCallsOthersKeepsAClassPerState() {
        Grammar g = GrammarCompiler.compile(StructuredOutput.jsonSchema("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}"));
        int root = g.root;
        assertThat(MaskClasses.of(g.rules[root], 8)).isNull();
    }

    @Test
    void everySharedMaskEqualsTheMaskOfItsOwnWalk() {
        for (StructuredOutput constraint : List.of(StructuredOutput.regex("[a-z ]{3,120}\\."),
                StructuredOutput.jsonSchema("{\"type\":\"string\",\"minLength\":5,\"maxLength\":90}"),
                StructuredOutput.regex("(ab|c){2,70}d?"))) {
            Grammar grammar = GrammarCompiler.compile(constraint);
            TokenMasks shared = new TokenMasks(grammar, vocab);
            long[] mask = new long[shared.words()];
            long[] own = new long[shared.words()];
            for (int rule = 0; rule < grammar.rules.length; rule++) {
                for (int state = 0; state < grammar.rules[rule].numStates(); state++) {
                    MatchState at = grammar.close(List.of(new Frame(rule, state, null)));
                    shared.fill(at, mask);
                    new TokenMasks(grammar, vocab).fill(at, own);
                    assertThat(mask).as("%s, rule %d state %d", constraint.spec(), rule, state).isEqualTo(own);
                }
            }
        }
    }
}
