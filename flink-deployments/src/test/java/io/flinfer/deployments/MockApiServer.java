package io.flinfer.deployments;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import okhttp3.Headers;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okio.Buffer;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;

/**
 * fabric8's Kubernetes mock API server in CRUD mode, serving FlinkDeployments with a status subresource.
 *
 * <p>Used because no real API server (kube-apiserver, kind, k3s) can run on this machine. It stores what
 * it is sent and validates nothing, which is why the manifests are checked against the CRD's schema by
 * other tests. No operator runs either: tests write the status as the operator would.
 */
public final class MockApiServer implements AutoCloseable {
    /** okhttp's MockWebServer logs every request at INFO through java.util.logging; tests log at WARN. */
    private static final Logger MOCK_WEB_SERVER_LOG = Logger.getLogger(MockWebServer.class.getName());
    private static final ResourceDefinitionContext FLINK_DEPLOYMENTS = ResourceDefinitionContext.fromResourceType(FlinkDeployment.class);

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    public MockApiServer() {
        MOCK_WEB_SERVER_LOG.setLevel(Level.WARNING);
        CustomResourceDefinitionContext crd = new CustomResourceDefinitionContext.Builder().withGroup("flink.apache.org")
                .withVersion("v1beta1").withPlural("flinkdeployments").withKind("FlinkDeployment").withScope("Namespaced")
                .withStatusSubresource(true).build();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new ApplyAsTheApiServerDoes(List.of(crd)), false);
        server.init();
        client = server.createClient();
    }

    public KubernetesClient client() {
        return client;
    }

    /** A kube config file whose current context is this server, with {@code namespace} as its namespace. */
    public Path kubeconfig(Path folder, String namespace) throws IOException {
        String url = client.getConfiguration().getMasterUrl();
        return Files.writeString(folder.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                contexts:
                - name: mock
                  context:
                    cluster: mock
                    namespace: %s
                    user: tester
                current-context: mock
                users:
                - name: tester
                  user:
                    token: not-checked
                """.formatted(url, namespace));
    }

    /** What the operator does after each reconciliation: the status subresource, for the current generation. */
    public void writeStatusAsTheOperatorWould(String namespace, String name, String lifecycleState, String jobState) {
        var resource = client.genericKubernetesResources(FLINK_DEPLOYMENTS).inNamespace(namespace).withName(name);
        GenericKubernetesResource current = resource.get();
        current.setAdditionalProperty("status", Map.of("lifecycleState", lifecycleState, "jobStatus", Map.of("state", jobState),
                "jobManagerDeploymentStatus", "READY", "observedGeneration", current.getMetadata().getGeneration()));
        resource.updateStatus(current);
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
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
}
