package io.flinfer.engine.structured;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.StructuredOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Repetitions built from their body's minimal automaton allow exactly the tokens that Thompson's
 * construction alone allows, at every step of random walks, over every kind of constraint; and they
 * need far fewer states.
 */
class MinimalRepetitionBodiesTest {
    /** The benchmark's ten properties (flinfer bench structured's default schema): long bounded strings. */
    private static final String TEN_PROPERTIES = """
            {"type":"object","properties":{
              "id":{"type":"integer","minimum":0,"maximum":999999},
              "name":{"type":"string","minLength":20,"maxLength":60},
              "email":{"type":"string","format":"email"},
              "category":{"enum":["billing","bug","feature","other"]},
              "priority":{"type":"integer","minimum":1,"maximum":5},
              "urgent":{"type":"boolean"},
              "created":{"type":"string","format":"date"},
              "tags":{"type":"array","items":{"type":"string","maxLength":20},"minItems":1,"maxItems":5},
              "summary":{"type":"string","minLength":60,"maxLength":200},
              "details":{"type":"string","minLength":100,"maxLength":400}},
             "required":["id","name","email","category","priority","urgent","created","tags","summary","details"]}""";

    private final TokenVocabulary vocab = TestVocabularies.mergeHeavy();

    @Test
    void everyMaskEqualsTheReferenceConstructionsAlongRandomWalks() {
        List<StructuredOutput> constraints = new ArrayList<>(List.of(
                StructuredOutput.jsonSchema(TEN_PROPERTIES),
                new StructuredOutput(StructuredOutput.Kind.JSON_OBJECT, "", true),
                new StructuredOutput(StructuredOutput.Kind.GRAMMAR, GbnfGrammarTest.JSON_GBNF, false),
                StructuredOutput.regex("[^\\s]{1,3}@ex\\.com"),
                StructuredOutput.regex("\\w+( \\w+){0,3}\\."),
                StructuredOutput.regex("(a|ab)(c|bcd)d*"),
                StructuredOutput.regex("((ab|a)c?){2,5}b"),
                StructuredOutput.regex("[日本é]{1,3}x{0,2}"),
                new StructuredOutput(StructuredOutput.Kind.CHOICE, "[\"yes\",\"no\",\"maybe\"]", false)));
        SplittableRandom schemas = new SplittableRandom(18);
        for (int i = 0; i < 40; i++) {
            constraints.add(StructuredOutput.jsonSchema(RandomSchemas.generate(schemas).toString()));
        }
        for (StructuredOutput constraint : constraints) {
            TokenMasks minimal = new TokenMasks(GrammarCompiler.compile(constraint, true), vocab);
            TokenMasks reference = new TokenMasks(GrammarCompiler.compile(constraint, false), vocab);
            SplittableRandom random = new SplittableRandom(constraint.spec().hashCode());
            for (int walk = 0; walk < 8; walk++) {
                walkInStep(constraint, new GrammarMatcher(minimal), new GrammarMatcher(reference), random);
            }
        }
    }

    @Test
    void aLongBoundedStringNeedsAFractionOfTheStates() {
        StructuredOutput string = StructuredOutput.jsonSchema("{\"type\":\"string\",\"minLength\":100,\"maxLength\":400}");
        int minimal = GrammarCompiler.compile(string, true).numPositions();
        int reference = GrammarCompiler.compile(string, false).numPositions();

        assertThat(minimal).as("a dozen states per character, not Thompson's subsets")
                .isLessThan(reference / 3)
                .isGreaterThan(400);
    }

    /** Draws tokens under the minimal grammar's mask; both matchers must allow the same ones every step. */
    private void walkInStep(StructuredOutput constraint, GrammarMatcher minimal, GrammarMatcher reference, SplittableRandom random) {
        long[] mask = minimal.newMask();
        long[] expected = reference.newMask();
        int[] weights = new int[vocab.size()];
        for (int step = 0; step < 300 && !minimal.isTerminated(); step++) {
            minimal.fillMask(mask);
            reference.fillMask(expected);
            assertThat(mask).as("%s, step %d", constraint.spec(), step).isEqualTo(expected);
            int token = RandomWalk.draw(mask, vocab, random, weights);
            if (token == TestVocabularies.EOS) {
                return;
            }
            assertThat(minimal.accept(token)).isTrue();
            assertThat(reference.accept(token)).isTrue();
        }
        assertThat(reference.isTerminated()).isEqualTo(minimal.isTerminated());
    }
}
