package io.flinfer.deployments;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads Kubernetes YAML into model classes so that every field must exist in the model.
 *
 * <p>FAIL_ON_UNKNOWN_PROPERTIES alone is not enough: the operator's spec classes say
 * {@code @JsonIgnoreProperties(ignoreUnknown = true)} and fabric8's Kubernetes classes keep unknown
 * fields in an "additionalProperties" any-setter. Both escape hatches are switched off here, so a
 * misspelled field anywhere in a manifest, pod templates included, fails to read.
 */
final class StrictYaml {
    private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setAnnotationIntrospector(new NoUnknownFields());

    private StrictYaml() {}

    static <T> T read(Path file, Class<T> type) throws IOException {
        return MAPPER.readValue(file.toFile(), type);
    }

    static <T> T read(String yaml, Class<T> type) throws IOException {
        return MAPPER.readValue(yaml, type);
    }

    private static final class NoUnknownFields extends JacksonAnnotationIntrospector {
        @Override
        public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
            JsonIgnoreProperties.Value declared = super.findPropertyIgnoralByName(config, a);
            return declared.withoutIgnoreUnknown();
        }

        @Override
        public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
        }
    }
}
