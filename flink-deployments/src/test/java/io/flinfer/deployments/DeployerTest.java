package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 3, for the library: apply creates and then updates a FlinkDeployment, status reads back
 * what the operator wrote, delete removes it. Against fabric8's mock API server ({@link MockApiServer}:
 * no real one can run here, and it validates nothing); the command line's test does the same through
 * {@code flinfer deploy}.
 */
class DeployerTest {
    private static final String NAMESPACE = "llm";
    private static final String NAME = "flinfer-streaming";

    private final MockApiServer server = new MockApiServer();
    private final KubernetesClient client = server.client();
    private final Deployer deployer = new Deployer(client, NAMESPACE);

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void appliesCreatesThenUpdatesAndReadsTheOperatorsStatus() {
        List<HasMetadata> created = deployer.apply(render("--replicas", "1"));
        assertThat(created).singleElement().isInstanceOf(FlinkDeployment.class);
        FlinkDeployment stored = client.resources(FlinkDeployment.class).inNamespace(NAMESPACE).withName(NAME).get();
        assertThat(stored.getSpec().getJob().getParallelism()).isEqualTo(1);
        assertThat(stored.getSpec().getJob().getArgs()).contains("Qwen/Qwen2.5-0.5B-Instruct");
        assertThat(deployer.status(NAME)).hasValueSatisfying(s -> assertThat(s.lifecycleState()).isNull());

        deployer.apply(render("--replicas", "3"));
        FlinkDeployment updated = client.resources(FlinkDeployment.class).inNamespace(NAMESPACE).withName(NAME).get();
        assertThat(updated.getMetadata().getUid()).isEqualTo(stored.getMetadata().getUid());
        assertThat(updated.getMetadata().getResourceVersion()).isNotEqualTo(stored.getMetadata().getResourceVersion());
        assertThat(updated.getSpec().getJob().getParallelism()).isEqualTo(3);

        server.writeStatusAsTheOperatorWould(NAMESPACE, NAME, "DEPLOYED", "RECONCILING");
        assertThat(deployer.status(NAME)).hasValueSatisfying(s -> {
            assertThat(s.lifecycleState()).isEqualTo("DEPLOYED");
            assertThat(s.jobState()).isEqualTo("RECONCILING");
            assertThat(s.settled()).isFalse();
        });

        assertThat(deployer.delete(NAME)).isTrue();
        assertThat(deployer.status(NAME)).isEmpty();
        assertThat(deployer.delete(NAME)).isFalse();
    }

    @Test
    void awaitReportsEachStateUntilTheDeploymentIsStable() throws Exception {
        deployer.apply(render());
        List<Deployer.Status> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Deployer.Status> settled = CompletableFuture.supplyAsync(
                () -> deployer.awaitSettled(NAME, Duration.ofSeconds(30), seen::add));
        server.writeStatusAsTheOperatorWould(NAMESPACE, NAME, "DEPLOYED", "RECONCILING");
        server.writeStatusAsTheOperatorWould(NAMESPACE, NAME, "STABLE", "RUNNING");

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
        server.writeStatusAsTheOperatorWould(NAMESPACE, NAME, "DEPLOYED", "RECONCILING");
        Deployer.Status last = deployer.awaitSettled(NAME, Duration.ofMillis(500), s -> { });
        assertThat(last.lifecycleState()).isEqualTo("DEPLOYED");
        assertThat(last.settled()).isFalse();
    }

    private static String render(String... more) {
        List<String> args = new ArrayList<>(List.of("--model", "Qwen/Qwen2.5-0.5B-Instruct", "--gpu-type", "l4",
                "--bootstrap-servers", "kafka:9092"));
        args.addAll(List.of(more));
        return DeploymentRenderer.toYaml(DeploymentRenderer.render(RenderOptions.parse(args.toArray(String[]::new))), args);
    }
}
