package io.flinfer.deployments;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;

/**
 * Sends FlinkDeployments to a cluster and reads back what the operator made of them, through the
 * fabric8 client of the current kube context.
 */
public final class Deployer {
    /** The field manager of server-side apply: the fields flinfer sets are flinfer's. */
    public static final String FIELD_MANAGER = "flinfer";
    /** Lifecycle states after which the operator does nothing more until the spec changes. */
    private static final Set<String> SETTLED = Set.of("STABLE", "FAILED", "ROLLED_BACK", "SUSPENDED");
    private static final ResourceDefinitionContext FLINK_DEPLOYMENTS = ResourceDefinitionContext.fromResourceType(FlinkDeployment.class);

    private final KubernetesClient client;
    private final String namespace;

    /** @param namespace null for the kube context's namespace, or "default" as kubectl does when it names none */
    public Deployer(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace != null ? namespace : Objects.requireNonNullElse(client.getNamespace(), "default");
    }

    /**
     * What {@code kubectl get flinkdeployment} shows, from the status the operator writes.
     *
     * @param generation         the spec's generation, counted by the API server
     * @param observedGeneration the generation the operator last acted on (null before it has)
     */
    public record Status(String name, String lifecycleState, String jobState, String jobManagerDeployment,
            String error, Long generation, Long observedGeneration) {
        /** The operator has acted on the current spec and will do nothing more until it changes. */
        public boolean settled() {
            boolean current = generation == null || Objects.equals(generation, observedGeneration);
            return current && lifecycleState != null && SETTLED.contains(lifecycleState);
        }

        public boolean failed() {
            return "FAILED".equals(lifecycleState) || "ROLLED_BACK".equals(lifecycleState);
        }

        @Override
        public String toString() {
            return name + ": " + Objects.requireNonNullElse(lifecycleState, "(no status yet)")
                    + (jobState == null ? "" : ", job " + jobState)
                    + (jobManagerDeployment == null ? "" : ", JobManager " + jobManagerDeployment)
                    + (error == null ? "" : ", error: " + error);
        }
    }

    /**
     * Server-side applies each document, FlinkDeployments and any other kind, in this namespace unless one
     * names its own; conflicts with other field managers are taken over, as {@code kubectl apply --server-side --force-conflicts}.
     */
    public List<HasMetadata> apply(String yaml) {
        List<HasMetadata> resources = client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
        return resources.stream().map(resource -> {
            if (resource instanceof GenericKubernetesResource generic && "FlinkDeployment".equals(generic.getKind())) {
                resource = client.getKubernetesSerialization().convertValue(generic, FlinkDeployment.class);
            }
            String in = resource.getMetadata().getNamespace() != null ? resource.getMetadata().getNamespace() : namespace;
            return client.resource(resource).inNamespace(in).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        }).toList();
    }

    public String namespace() {
        return namespace;
    }

    public Optional<Status> status(String name) {
        return Optional.ofNullable(deployment(name).get()).map(Deployer::status);
    }

    /** @return false when there was nothing of that name */
    public boolean delete(String name) {
        return !deployment(name).delete().isEmpty();
    }

    /**
     * Waits until the operator has acted on the current spec and settled (stable, failed, rolled back or
     * suspended), telling {@code onChange} each status it passes through.
     *
     * @return the settled status, or the last one seen when {@code timeout} ran out
     */
    public Status awaitSettled(String name, Duration timeout, Consumer<Status> onChange) {
        AtomicReference<Status> last = new AtomicReference<>();
        try {
            deployment(name).waitUntilCondition(resource -> {
                if (resource == null) {
                    return false;
                }
                Status status = status(resource);
                if (!status.equals(last.getAndSet(status))) {
                    onChange.accept(status);
                }
                return status.settled();
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            // The caller reports the last status and that it has not settled.
        }
        return last.get();
    }

    private Resource<GenericKubernetesResource> deployment(String name) {
        return client.genericKubernetesResources(FLINK_DEPLOYMENTS).inNamespace(namespace).withName(name);
    }

    private static Status status(GenericKubernetesResource resource) {
        JsonNode status = Yaml.MAPPER.valueToTree(resource.getAdditionalProperties().get("status"));
        return new Status(resource.getMetadata().getName(), text(status.path("lifecycleState")),
                text(status.path("jobStatus").path("state")), text(status.path("jobManagerDeploymentStatus")),
                text(status.path("error")), resource.getMetadata().getGeneration(),
                status.path("observedGeneration").isIntegralNumber() ? status.path("observedGeneration").asLong() : null);
    }

    private static String text(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }
}
