package io.flinfer.deployments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.path.PathType;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One custom resource's {@code openAPIV3Schema}, read from the CRD that the Flink Kubernetes Operator API
 * jar ships, checked the way an API server checks a custom resource sent with strict field validation
 * (kubectl's default):
 *
 * <ul>
 *   <li>an object that lists its properties has no others: an unknown field is an error, not pruned;
 *   <li>{@code apiVersion}, {@code kind} and {@code metadata} are allowed at the root, where the API
 *       server adds them; {@code metadata} is checked as an ObjectMeta.
 * </ul>
 *
 * Validation is networknt's JSON-schema validator in its OpenAPI 3.0 dialect, the dialect of a CRD's schema.
 */
final class CrdSchema {
    private final Schema schema;

    private CrdSchema(JsonNode openApiV3Schema) {
        // Paths as $.spec.flinkConfiguration['taskmanager.numberOfTaskSlots'], and no type coercion ("2" is no integer).
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().pathType(PathType.JSON_PATH).typeLoose(false).build();
        schema = SchemaRegistry.withDialect(Dialects.getOpenApi30(), registry -> registry.schemaRegistryConfig(config))
                .getSchema(openApiV3Schema);
    }

    /**
     * @param crd        a CRD, as {@link #readCrd} reads it
     * @param version    the served version to check against, e.g. {@code v1beta1}
     * @param objectMeta the schema of an ObjectMeta (CRDs leave the root {@code metadata} out)
     */
    static CrdSchema of(JsonNode crd, String version, JsonNode objectMeta) {
        ObjectNode root = (ObjectNode) versionSchema(crd, version).deepCopy();
        ObjectNode properties = (ObjectNode) root.get("properties");
        properties.putObject("apiVersion").put("type", "string");
        properties.putObject("kind").put("type", "string");
        properties.set("metadata", objectMeta.deepCopy());
        closeObjects(root);
        return new CrdSchema(root);
    }

    /** The schema of {@code version} in a CRD document. */
    static JsonNode versionSchema(JsonNode crd, String version) {
        for (JsonNode served : crd.path("spec").path("versions")) {
            if (served.path("name").asText().equals(version)) {
                return served.path("schema").path("openAPIV3Schema");
            }
        }
        throw new IllegalArgumentException("the CRD " + crd.path("metadata").path("name").asText() + " has no version " + version);
    }

    /** @param crdResource the CRD's path on the class path, e.g. {@code META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml} */
    static JsonNode readCrd(String crdResource) {
        try (InputStream in = CrdSchema.class.getClassLoader().getResourceAsStream(crdResource)) {
            if (in == null) {
                throw new IllegalStateException(crdResource + " is not on the class path (flink-kubernetes-operator-api jar)");
            }
            return Yaml.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The violations, each as {@code $.json.path: what is wrong}; empty when the document is valid. */
    List<String> validate(JsonNode document) {
        Map<String, List<Error>> byPath = schema.validate(document).stream()
                .collect(Collectors.groupingBy(CrdSchema::path, LinkedHashMap::new, Collectors.toList()));
        return byPath.entrySet().stream().map(e -> e.getKey() + ": " + describe(e.getValue())).toList();
    }

    private static String path(Error error) {
        String at = error.getInstanceLocation().toString();
        return "additionalProperties".equals(error.getKeyword()) ? at + "." + error.getProperty() : at;
    }

    /** One line per field: an int-or-string field fails both branches of its anyOf, which read as one. */
    private static String describe(List<Error> errors) {
        if (errors.stream().allMatch(e -> "type".equals(e.getKeyword()))) {
            String expected = errors.stream().map(e -> e.getSchemaNode().asText()).distinct().collect(Collectors.joining(" or "));
            return typeOf(errors.get(0).getInstanceNode()) + " found, " + expected + " expected";
        }
        if (errors.size() == 1 && "enum".equals(errors.get(0).getKeyword())) {
            return errors.get(0).getInstanceNode() + " is not one of " + errors.get(0).getSchemaNode();
        }
        if (errors.stream().anyMatch(e -> "additionalProperties".equals(e.getKeyword()))) {
            return "unknown field (the operator's schema has no such property)";
        }
        return errors.stream().map(Error::getMessage).distinct().collect(Collectors.joining("; "));
    }

    private static String typeOf(JsonNode value) {
        if (value.isIntegralNumber()) {
            return "integer";
        }
        return value.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    /**
     * A structural schema's unknown fields are dropped by pruning, and refused under strict field validation;
     * in JSON-schema words, an object with {@code properties} has {@code additionalProperties: false} unless
     * it says {@code x-kubernetes-preserve-unknown-fields}. Kubernetes' own keywords go once read: int-or-string
     * is also written as its {@code anyOf}. Walks schemas only, never property names.
     */
    private static void closeObjects(JsonNode schema) {
        if (!(schema instanceof ObjectNode object)) {
            return;
        }
        if (object.has("properties") && !object.has("additionalProperties")
                && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            object.put("additionalProperties", false);
        }
        object.remove(object.properties().stream().map(Map.Entry::getKey).filter(k -> k.startsWith("x-kubernetes-")).toList());
        object.path("properties").forEach(CrdSchema::closeObjects);
        closeObjects(object.get("items"));
        closeObjects(object.get("additionalProperties"));
        for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
            object.path(combinator).forEach(CrdSchema::closeObjects);
        }
    }
}
