package io.flinfer.deployments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkSessionJob;

/**
 * Checks Kubernetes YAML the way the API server and the Flink operator would: each FlinkDeployment and
 * FlinkSessionJob against its CRD's schema from the operator API jar ({@link CrdSchema}), then, once
 * its types are right, what the operator's webhook checks ({@link OperatorChecks}). Documents of other
 * kinds are passed over: there is no schema for them here.
 */
public final class ManifestValidator {
    private static final String API_VERSION = "flink.apache.org/v1beta1";
    private static final String CRDS = "META-INF/fabric8/";
    private static final CrdSchema DEPLOYMENT;
    private static final CrdSchema SESSION_JOB;

    static {
        JsonNode deploymentCrd = CrdSchema.readCrd(CRDS + "flinkdeployments.flink.apache.org-v1.yml");
        // CRDs leave out the root metadata; the pod template's ObjectMeta in the same CRD is the one to use.
        JsonNode objectMeta = CrdSchema.versionSchema(deploymentCrd, "v1beta1")
                .at("/properties/spec/properties/podTemplate/properties/metadata");
        DEPLOYMENT = CrdSchema.of(deploymentCrd, "v1beta1", objectMeta);
        SESSION_JOB = CrdSchema.of(CrdSchema.readCrd(CRDS + "flinksessionjobs.flink.apache.org-v1.yml"), "v1beta1", objectMeta);
    }

    private ManifestValidator() {}

    /** What one YAML stream holds: per document, what it is and what is wrong with it. */
    public record Result(List<Document> documents) {
        public boolean valid() {
            return documents.stream().allMatch(d -> d.problems().isEmpty());
        }

        public List<String> problems() {
            return documents.stream().flatMap(d -> d.problems().stream().map(p -> d.describe() + ": " + p)).toList();
        }
    }

    /** @param checked false for a kind this validator has no schema for */
    public record Document(int index, String kind, String name, boolean checked, List<String> problems) {
        String describe() {
            return "document " + index + " (" + kind + " " + name + ")";
        }
    }

    /** Validates every document of a YAML stream (documents separated by {@code ---}). */
    public static Result validate(String yaml) {
        List<Document> documents = new ArrayList<>();
        int index = 0;
        try (MappingIterator<JsonNode> docs = Yaml.MAPPER.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    documents.add(validate(++index, doc));
                }
            }
        } catch (IOException | RuntimeException e) {
            documents.add(new Document(++index, "?", "?", true, List.of("not YAML: " + e.getMessage())));
        }
        return new Result(documents);
    }

    private static Document validate(int index, JsonNode doc) {
        String kind = doc.path("kind").asText("?");
        String name = doc.path("metadata").path("name").asText("?");
        boolean flink = doc.path("apiVersion").asText().startsWith("flink.apache.org/");
        if (!flink || !(kind.equals("FlinkDeployment") || kind.equals("FlinkSessionJob"))) {
            return new Document(index, kind, name, false, List.of());
        }
        List<String> problems = new ArrayList<>();
        if (!API_VERSION.equals(doc.path("apiVersion").asText())) {
            problems.add("$.apiVersion: '" + doc.path("apiVersion").asText() + "': the operator 1.10 serves " + API_VERSION);
        }
        problems.addAll((kind.equals("FlinkDeployment") ? DEPLOYMENT : SESSION_JOB).validate(doc));
        // Binding before the types are right would let Jackson coerce the very mistakes the schema catches.
        if (problems.isEmpty()) {
            problems.addAll(kind.equals("FlinkDeployment")
                    ? OperatorChecks.check(bind(doc, FlinkDeployment.class))
                    : OperatorChecks.check(bind(doc, FlinkSessionJob.class)));
        }
        return new Document(index, kind, name, true, problems);
    }

    /** The document as the operator's typed model; call only on documents that passed the schema. */
    public static <T> T bind(JsonNode doc, Class<T> type) {
        try {
            return Yaml.MAPPER.treeToValue(doc, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("does not bind to " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
