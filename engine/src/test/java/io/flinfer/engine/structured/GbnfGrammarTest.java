package io.flinfer.engine.structured;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.sampling.StructuredOutput;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** GBNF grammars (llama.cpp's dialect, as vLLM accepts them): every generated text is in the grammar's language. */
class GbnfGrammarTest {
    /** llama.cpp's grammars/json.gbnf, as published (comments, multi-line rules, escapes, a negated class). */
    static final String JSON_GBNF = """
            root   ::= object
            value  ::= object | array | string | number | ("true" | "false" | "null") ws

            object ::=
              "{" ws (
                        string ":" ws value
                ("," ws string ":" ws value)*
              )? "}" ws

            array  ::=
              "[" ws (
                        value
                ("," ws value)*
              )? "]" ws

            string ::=
              "\\"" (
                [^"\\\\\\x7F\\x00-\\x1F] |
                "\\\\" (["\\\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
              )* "\\"" ws

            number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

            # Optional space: by convention, applied in this grammar after literal chars when allowed
            ws ::= | " " | "\\n" [ \\t]{0,20}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TokenVocabulary vocab = TestVocabularies.mergeHeavy();
    private final StructuredOutputs outputs = new StructuredOutputs(vocab, 16);

    @Test
    void llamaCppsJsonGrammarGeneratesJsonObjects() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        int finished = 0;
        for (int i = 0; i < 200; i++) {
            String text = RandomWalk.walk(outputs, grammar(JSON_GBNF), vocab, random, 120);
            if (text != null) {
                finished++;
                assertThat(JSON.readTree(text).isObject()).as(text).isTrue();
            }
        }
        assertThat(finished).isGreaterThan(50);
    }

    @Test
    void everyTextMatchesTheRegexOfTheSameLanguage() {
        Map<String, Predicate<String>> grammars = new LinkedHashMap<>();
        grammars.put("root ::= expr\nexpr ::= term (op term){0,3}\nterm ::= [0-9]{1,3} | \"(\" expr \")\"\nop ::= [-+*/]",
                GbnfGrammarTest::isArithmetic);
        grammars.put("root ::= greeting \" \" name \"!\"?  # a comment\ngreeting ::= \"hi\" | \"hello\"\nname ::= [A-Z] [a-z]+",
                matches("(hi|hello) [A-Z][a-z]+!?"));
        grammars.put("root ::= item{2,3} \"\\u00e9\"\nitem ::= \"<\" [^<>\\n]{0,5} \">\"", matches("(<[^<>\\n]{0,5}>){2,3}\u00e9"));
        grammars.put("root ::= (\"ab\" | \"c\")+ \"\\x21\"", matches("(ab|c)+!"));
        grammars.put("root ::= x-y.z\nx-y.z ::= \"[\" [\\]\\-a]{,2} \"]\"", matches("\\[[\\]\\-a]{0,2}\\]"));
        SplittableRandom random = new SplittableRandom(3);
        grammars.forEach((gbnf, inLanguage) -> {
            int finished = 0;
            for (int i = 0; i < 100; i++) {
                String text = RandomWalk.walk(outputs, grammar(gbnf), vocab, random, 80);
                if (text != null) {
                    finished++;
                    assertThat(inLanguage.test(text)).as("'%s' from %s", text, gbnf).isTrue();
                }
            }
            assertThat(finished).as(gbnf).isGreaterThan(30);
        });
    }

    private static Predicate<String> matches(String regex) {
        return Pattern.compile(regex).asMatchPredicate();
    }

    /** Arithmetic with parentheses: innermost groups reduce to a number until a flat expression is left. */
    private static boolean isArithmetic(String text) {
        String flat = "[0-9]{1,3}([-+*/][0-9]{1,3}){0,3}";
        Pattern innermost = Pattern.compile("\\(" + flat + "\\)");
        String reduced;
        while (!(reduced = innermost.matcher(text).replaceAll("0")).equals(text)) {
            text = reduced;
        }
        return text.matches(flat);
    }

    @Test
    void aBadGrammarIsRefusedWithWhereAndWhy() {
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("start ::= \"a\""))).hasMessageContaining("no 'root' rule");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root ::= a\n"))).hasMessageContaining("uses rule 'a'");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root ::= \"a\"\nroot ::= \"b\"")))
                .hasMessageContaining("defines rule 'root' twice");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root ::= \"a\n")))
                .hasMessageContaining("closing '\"'");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root ::= (\"a\"\n  | \"b\"")))
                .hasMessageContaining("line 2").hasMessageContaining("')'");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root = \"a\""))).hasMessageContaining("'::='");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root ::= [z-a]"))).hasMessageContaining("range");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root ::= \"a\"{5000}"))).hasMessageContaining("above 1000");
        assertThatThrownBy(() -> GrammarCompiler.compile(grammar("root ::= \"\\q\""))).hasMessageContaining("known escape");
    }

    @Test
    void endOfSequenceWaitsForACompleteText() {
        GrammarMatcher m = outputs.matcher(grammar("root ::= \"a\" \"b\"*"));
        long[] mask = m.newMask();
        m.fillMask(mask);
        assertThat(mask[TestVocabularies.EOS >>> 6] & (1L << TestVocabularies.EOS)).isZero();
        assertThat(m.accept(3 + 'a')).isTrue();
        m.fillMask(mask);
        assertThat(mask[TestVocabularies.EOS >>> 6] & (1L << TestVocabularies.EOS)).isNotZero();
    }

    private static StructuredOutput grammar(String gbnf) {
        return new StructuredOutput(StructuredOutput.Kind.GRAMMAR, gbnf, false);
    }
}
