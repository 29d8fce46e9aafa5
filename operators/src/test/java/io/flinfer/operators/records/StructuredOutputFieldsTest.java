package io.flinfer.operators.records;

import static io.flinfer.operators.records.RequestParserTest.bytes;
import static io.flinfer.operators.records.RequestParserTest.chat;
import static io.flinfer.operators.records.RequestParserTest.completion;
import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.StructuredOutput;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The output-constraint fields of OpenAI and vLLM requests, and the 400s for bad ones. */
class StructuredOutputFieldsTest {
    private final RequestParser parser = new RequestParser(ServedModel.ofModelArgument("models/m"));

    @Test
    void openAiResponseFormats() {
        assertThat(constraint(chat("a", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
                + "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"p\", \"strict\": true, "
                + "\"schema\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}}}}}}")))
                .isEqualTo(StructuredOutput.jsonSchema("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}"));
        assertThat(constraint(completion("b", "{\"prompt\": \"x\", \"response_format\": {\"type\": \"json_object\"}}")))
                .isEqualTo(StructuredOutput.jsonObject());
        assertThat(constraint(completion("c", "{\"prompt\": \"x\", \"response_format\": {\"type\": \"text\"}}"))).isNull();
    }

    @Test
    void vllmStructuredOutputsAndGuidedFields() {
        assertThat(constraint(completion("a", "{\"prompt\": \"x\", \"structured_outputs\": {\"regex\": \"\\\\d+\"}}")))
                .isEqualTo(StructuredOutput.regex("\\d+"));
        assertThat(constraint(completion("b", "{\"prompt\": \"x\", \"structured_outputs\": {\"choice\": [\"y\", \"n\"]}}")))
                .isEqualTo(new StructuredOutput(StructuredOutput.Kind.CHOICE, "[\"y\",\"n\"]", false));
        assertThat(constraint(completion("c", "{\"prompt\": \"x\", \"structured_outputs\": {\"json\": {\"type\": \"string\"}, "
                + "\"disable_any_whitespace\": false}}")))
                .isEqualTo(new StructuredOutput(StructuredOutput.Kind.JSON_SCHEMA, "{\"type\":\"string\"}", true));
        assertThat(constraint(completion("d", "{\"prompt\": \"x\", \"guided_json\": \"{\\\"type\\\": \\\"integer\\\"}\"}")))
                .isEqualTo(StructuredOutput.jsonSchema("{\"type\": \"integer\"}"));
        assertThat(constraint(completion("e", "{\"prompt\": \"x\", \"guided_regex\": \"a|b\"}")))
                .isEqualTo(StructuredOutput.regex("a|b"));
        assertThat(constraint(completion("f", "{\"prompt\": \"x\", \"guided_choice\": [\"a\"]}")).kind())
                .isEqualTo(StructuredOutput.Kind.CHOICE);
        assertThat(constraint(completion("g", "{\"prompt\": \"x\", \"structured_outputs\": {\"grammar\": \"root ::= [ab]+\"}}")))
                .isEqualTo(new StructuredOutput(StructuredOutput.Kind.GRAMMAR, "root ::= [ab]+", false));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"response_format\": {\"type\": \"xml\"}|unknown response_format.type \"xml\"",
            "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"object\", \"minProperties\": 1}}}|unsupported JSON Schema keyword 'minProperties'",
            "\"guided_regex\": \"(a\"|invalid regex /(a/",
            "\"guided_grammar\": \"root ::= \\\"a\\\" b\"|the grammar uses rule 'b' but does not define it",
            "\"guided_regex\": \"a\", \"guided_choice\": [\"b\"]|one output constraint, got guided_regex and guided_choice",
            "\"response_format\": {\"type\": \"json_object\"}, \"structured_outputs\": {\"regex\": \"a\"}|got response_format and structured_outputs",
            "\"structured_outputs\": {\"regex\": \"a\", \"choice\": [\"b\"]}|exactly one of json, regex, choice, grammar or json_object, got regex and choice",
            "\"structured_outputs\": {\"structural_tag\": \"a\"}|structured_outputs.structural_tag is not supported",
            "\"guided_choice\": []|guided_choice must be a non-empty list of strings"})
    void badConstraintsAreA400ThatNamesTheProblem(String fields, String message) {
        ParsedRecord parsed = parser.parse(bytes(completion("bad", "{\"prompt\": \"x\", " + fields + "}")));
        assertThat(parsed).isInstanceOf(ParsedRecord.BadRequest.class);
        ParsedRecord.BadRequest bad = (ParsedRecord.BadRequest) parsed;
        assertThat(bad.error()).isEqualTo(RequestError.BAD_REQUEST);
        assertThat(bad.message()).contains(message);
    }

    private StructuredOutput constraint(String line) {
        ParsedRecord parsed = parser.parse(bytes(line));
        assertThat(parsed).as(parsed.toString()).isInstanceOf(ParsedRecord.Valid.class);
        return ((ParsedRecord.Valid) parsed).request().samplingParams().structuredOutput;
    }
}
