package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.Headers;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okio.Buffer;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 3: apply creates and then updates a FlinkDeployment, status reads back what the
 * operator wrote, delete removes it.
 *
 * <p>Against fabric8's Kubernetes mock server in CRUD mode, because no real API server (kube-apiserver,
 * kind, k3s) can run on this machine. The mock stores what it is sent and validates nothing, which is why
 * {@link RenderedManifestsTest} and {@link ManifestValidatorTest} check the manifests against the CRD's
 * schema. No operator runs either: the test writes the status subresource as the operator would.
 */
class DeployerTest {
    private static final String NAMESPACE = "llm";
    private static final ResourceDefinitionContext FLINK_DEPLOYMENTS = ResourceDefinitionContext.fromResourceType(FlinkDeployment.class);

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Deployer deployer;

    @BeforeEach
    void startMockApiServer() {
        CustomResourceDefinitionContext crd = new CustomResourceDefinitionContext.Builder().withGroup("flink.apache.org")
                .withVersion("v1beta1").withPlural("flinkdeployments").withKind("FlinkDeployment").withScope("Namespaced")
                .withStatusSubresource(true).build();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new ApplyAsTheApiServerDoes(List.of(crd)), false);
        server.init();
        client = server.createClient();
        deployer = new Deployer(client, NAMESPACE);
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void appliesCreatesThenUpdatesAndReadsTheOperatorsStatus() {
        List<HasMetadata> created = deployer.apply(render("--replicas", "1"));
        assertThat(created).singleElement().isInstanceOf(FlinkDeployment.class);
        FlinkDeployment stored = client.resources(FlinkDeployment.class).inNamespace(NAMESPACE).withName("flinfer-streaming").get();
        assertThat(stored.getSpec().getJob().getParallelism()).isEqualTo(1);
        assertThat(stored.getSpec().getJob().getArgs()).contains("Qwen/Qwen2.5-0.5B-Instruct");
        assertThat(deployer.status("flinfer-streaming")).hasValueSatisfying(s -> assertThat(s.lifecycleState()).isNull());

        deployer.apply(render("--replicas", "3"));
        FlinkDeployment updated = client.resources(FlinkDeployment.class).inNamespace(NAMESPACE).withName("flinfer-streaming").get();
        assertThat(updated.getMetadata().getUid()).isEqualTo(stored.getMetadata().getUid());
        assertThat(updated.getMetadata().getResourceVersion()).isNotEqualTo(stored.getMetadata().getResourceVersion());
        assertThat(updated.getSpec().getJob().getParallelism()).isEqualTo(3);

        writeStatusAsTheOperatorWould("DEPLOYED", "RECONCILING");
        assertThat(deployer.status("flinfer-streaming")).hasValueSatisfying(s -> {
            assertThat(s.lifecycleState()).isEqualTo("DEPLOYED");
            assertThat(s.jobState()).isEqualTo("RECONCILING");
            assertThat(s.settled()).isFalse();
        });

        assertThat(deployer.delete("flinfer-streaming")).isTrue();
        assertThat(deployer.status("flinfer-streaming")).isEmpty();
        assertThat(deployer.delete("flinfer-streaming")).isFalse();
    }

    @Test
    void awaitReportsEachStateUntilTheDeploymentIsStable() throws Exception {
        deployer.apply(render());
        List<Deployer.Status> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Deployer.Status> settled = CompletableFuture.supplyAsync(
                () -> deployer.awaitSettled("flinfer-streaming", Duration.ofSeconds(30), seen::add));
        writeStatusAsTheOperatorWould("DEPLOYED", "RECONCILING");
        writeStatusAsTheOperatorWould("STABLE", "RUNNING");

        assertThat(settled.get()).satisfies(s -> {
            assertThat(s.lifecycleState()).isEqualTo("STABLE");
            assertThat(s.jobState()).isEqualTo("RUNNING");
            assertThat(s.settled()).isTrue();
        });
        assertThat(seen).last().extracting(Deployer.Status::lifecycleState).isEqualTo("STABLE");
    }

    @Test
    void awaitGivesUpAfterTheTimeoutWithTheLastStatus() {
        deployer.apply(render());
        writeStatusAsTheOperatorWould("DEPLOYED", "RECONCILING");
        Deployer.Status last = deployer.awaitSettled("flinfer-streaming", Duration.ofMillis(500), s -> { });
        assertThat(last.lifecycleState()).isEqualTo("DEPLOYED");
        assertThat(last.settled()).isFalse();
    }

    /**
     * The 6.13 mock knows no server-side apply: it answers 404 for an object that does not exist yet and
     * 415 for one that does. This dispatcher does what an API server does with an apply from a single field
     * manager: it creates an absent object, and merges the applied fields into a present one.
     */
    private static final class ApplyAsTheApiServerDoes extends KubernetesCrudDispatcher {
        ApplyAsTheApiServerDoes(List<CustomResourceDefinitionContext> crds) {
            super(crds);
        }

        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            String path = request.getPath().replaceFirst("\\?.*", "");
            if (!String.valueOf(request.getHeader("Content-Type")).startsWith("application/apply-patch")) {
                return super.handlePatch(request);
            }
            Buffer body = request.getBody().clone();
            if (findResource(getKey(path)) == null) {
                return handleCreate(new RecordedRequest("POST " + path.substring(0, path.lastIndexOf('/')) + " HTTP/1.1",
                        request.getHeaders(), List.of(), body.size(), body, request.getSequenceNumber(), new Socket()));
            }
            Headers mergePatch = request.getHeaders().newBuilder().set("Content-Type", "application/merge-patch+json").build();
            return super.handlePatch(new RecordedRequest("PATCH " + path + " HTTP/1.1", mergePatch, List.of(), body.size(), body,
                    request.getSequenceNumber(), new Socket()));
        }
    }

    /** What the operator does after each reconciliation: the status subresource, for the current generation. */
    private void writeStatusAsTheOperatorWould(String lifecycleState, String jobState) {
        var resource = client.genericKubernetesResources(FLINK_DEPLOYMENTS).inNamespace(NAMESPACE).withName("flinfer-streaming");
        GenericKubernetesResource current = resource.get();
        current.setAdditionalProperty("status", Map.of("lifecycleState", lifecycleState, "jobStatus", Map.of("state", jobState),
                "jobManagerDeploymentStatus", "READY", "observedGeneration", current.getMetadata().getGeneration()));
        resource.updateStatus(current);
    }

    private static String render(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--model", "Qwen/Qwen2.5-0.5B-Instruct", "--gpu-type", "l4",
                "--bootstrap-servers", "kafka:9092"));
        args.addAll(List.of(more));
        return DeploymentRenderer.toYaml(DeploymentRenderer.render(RenderOptions.parse(args.toArray(String[]::new))), args);
    }
}
