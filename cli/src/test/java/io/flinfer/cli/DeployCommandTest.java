package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.deployments.MockApiServer;
import io.flinfer.local.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer deploy}: render a pipeline, validate it, and (issue 11, item 3) apply it to a cluster,
 * which creates and then updates the FlinkDeployment, read its status back and delete it.
 *
 * <p>The cluster is fabric8's mock API server ({@link MockApiServer}): no real API server can run on this
 * machine. It validates nothing, which is why {@code deploy validate} and flink-deployments' tests check the
 * manifests against the operator's CRD schema. No operator runs: the test writes the status it would.
 */
class DeployCommandTest {
    private static final String NAMESPACE = "llm";

    @TempDir
    Path tmp;

    private final MockApiServer server = new MockApiServer();

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void renderThenValidateThenApplyUpdateStatusAndDelete() throws Exception {
        Path manifest = render("--replicas", "1");
        CliRun validate = CliRun.of("deploy", "validate", manifest.toString());
        assertThat(validate.exitCode()).as(validate.err()).isZero();
        assertThat(validate.out()).contains("FlinkDeployment flinfer-streaming: valid");

        String kubeconfig = server.kubeconfig(tmp, NAMESPACE).toString();
        CliRun create = CliRun.of("deploy", "apply", manifest.toString(), "--kubeconfig", kubeconfig, "--wait", "0s");
        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(create.out()).contains("applied FlinkDeployment flinfer-streaming in namespace llm");
        assertThat(stored().getSpec().getJob().getParallelism()).isEqualTo(1);

        // An update, followed until the operator (here: the test) says the deployment is stable.
        Path scaled = render("--replicas", "2");
        CompletableFuture<CliRun> update = CompletableFuture.supplyAsync(
                () -> CliRun.of("deploy", "apply", scaled.toString(), "--kubeconfig", kubeconfig, "--wait", "60s"));
        awaitParallelism(2);
        server.writeStatusAsTheOperatorWould(NAMESPACE, "flinfer-streaming", "UPGRADING", "RECONCILING");
        server.writeStatusAsTheOperatorWould(NAMESPACE, "flinfer-streaming", "STABLE", "RUNNING");
        CliRun updated = update.get();
        assertThat(updated.exitCode()).as(updated.err()).isZero();
        assertThat(updated.out()).contains("flinfer-streaming: STABLE, job RUNNING");

        CliRun status = CliRun.of("deploy", "status", "flinfer-streaming", "--kubeconfig", kubeconfig);
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).contains("flinfer-streaming: STABLE, job RUNNING, JobManager READY");

        assertThat(CliRun.of("deploy", "delete", "flinfer-streaming", "--kubeconfig", kubeconfig).exitCode()).isZero();
        CliRun gone = CliRun.of("deploy", "status", "flinfer-streaming", "--kubeconfig", kubeconfig);
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.err()).contains("no FlinkDeployment flinfer-streaming in namespace llm");
    }

    @Test
    void applyRefusesAnInvalidManifestAndSendsNothing() throws Exception {
        Path manifest = render();
        Files.writeString(manifest, Files.readString(manifest).replace("parallelism: 1", "parallelism: \"1\""));
        CliRun apply = CliRun.of("deploy", "apply", manifest.toString(), "--kubeconfig", server.kubeconfig(tmp, NAMESPACE).toString());
        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.err()).contains("$.spec.job.parallelism: string found, integer expected").contains("nothing applied");
        assertThat(stored()).isNull();
    }

    private Path render(String... more) throws Exception {
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("deploy", "render", "--model",
                "Qwen/Qwen2.5-0.5B-Instruct", "--gpu-type", "l4", "--bootstrap-servers", "kafka:9092"), java.util.stream.Stream.of(more))
                .toArray(String[]::new);
        CliRun render = CliRun.of(args);
        assertThat(render.exitCode()).as(render.err()).isZero();
        assertThat(render.out()).startsWith("# Rendered by: flinfer deploy render --model Qwen/Qwen2.5-0.5B-Instruct");
        return Files.writeString(Files.createTempFile(tmp, "flinfer", ".yaml"), render.out());
    }

    private FlinkDeployment stored() {
        return server.client().resources(FlinkDeployment.class).inNamespace(NAMESPACE).withName("flinfer-streaming").get();
    }

    private void awaitParallelism(int parallelism) throws Exception {
        Await.until("the update to reach the API server", Duration.ofSeconds(30),
                () -> stored() != null && stored().getSpec().getJob().getParallelism() == parallelism);
    }
}
