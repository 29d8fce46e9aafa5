package io.flinfer.engine.structured;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.flinfer.engine.sampling.StructuredOutput;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Random schemas, random tokens under the mask: every output that finishes is valid JSON that the
 * networknt validator (JSON Schema 2020-12, formats asserted) accepts.
 */
class JsonSchemaValidOutputsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    private final TokenVocabulary vocab = TestVocabularies.mergeHeavy();
    private final StructuredOutputs outputs = new StructuredOutputs(vocab, 8);

    @Property(tries = 150)
    void everyFinishedOutputOfARandomSchemaIsValid(@ForAll long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        JsonNode schema = RandomSchemas.generate(random);
        assertValidOutputs(schema, random, 20);
    }

    @Test
    void aRecursiveSchemaNestsAndStaysValid() throws Exception {
        JsonNode tree = JSON.readTree("""
                {"$defs": {"node": {"type": "object", "properties": {
                    "v": {"type": "integer", "minimum": 0, "maximum": 99},
                    "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
                  "required": ["v"], "additionalProperties": false}},
                 "$ref": "#/$defs/node"}""");
        assertValidOutputs(tree, new SplittableRandom(1), 100);
    }

    @Test
    void jsonObjectGivesAnyObject() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        int finished = 0;
        for (int i = 0; i < 100; i++) {
            String text = RandomWalk.walk(outputs, StructuredOutput.jsonObject(), vocab, random, 200);
            if (text != null) {
                finished++;
                assertThat(JSON.readTree(text).isObject()).as(text).isTrue();
            }
        }
        assertThat(finished).isGreaterThan(50);
    }

    @Test
    void unsupportedKeywordsAndBadSchemasAreNamed() {
        for (var bad : List.of(
                List.of("{\"type\":\"object\",\"patternProperties\":{}}", "unsupported JSON Schema keyword 'patternProperties'"),
                List.of("{\"type\":\"string\",\"format\":\"hostname\"}", "unsupported format 'hostname'"),
                List.of("{\"$ref\":\"#/$defs/missing\"}", "points to nothing"),
                List.of("{\"type\":\"integer\",\"minimum\":5,\"maximum\":1}", "integer range is empty"),
                List.of("{\"type\":\"strin\"}", "unknown type 'strin'"),
                List.of("{\"type\":", "not valid JSON"),
                List.of("{\"type\":\"string\",\"pattern\":\"(a\"}", "invalid regex"))) {
            assertThatThrownBy(() -> GrammarCompiler.compile(StructuredOutput.jsonSchema(bad.get(0))))
                    .as(bad.get(0)).isInstanceOf(ConstraintException.class).hasMessageContaining(bad.get(1));
        }
    }

    private void assertValidOutputs(JsonNode schema, SplittableRandom random, int walks) throws Exception {
        Schema validator = VALIDATORS.getSchema(schema);
        StructuredOutput constraint = StructuredOutput.jsonSchema(JSON.writeValueAsString(schema));
        assertThatCode(() -> outputs.matcher(constraint)).as("compiling %s", schema).doesNotThrowAnyException();
        for (int i = 0; i < walks; i++) {
            String text = RandomWalk.walk(outputs, constraint, vocab, random, 300);
            if (text != null) {
                JsonNode value = JSON.readTree(text);
                List<Error> errors = validator.validate(value);
                assertThat(errors).as("output %s of schema %s", text, schema).isEmpty();
            }
        }
    }
}
