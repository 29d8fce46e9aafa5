package io.flinfer.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flinfer.deployments.Deployer;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code flinfer deploy status}: what the operator says of a FlinkDeployment. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print a FlinkDeployment's lifecycle state, job state, JobManager deployment and error, as the operator reports them."
                + " Exits 1 if there is no such FlinkDeployment.")
final class DeployStatusCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The FlinkDeployment's name.")
    String name;

    @Mixin KubeOptions kube;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (KubernetesClient client = kube.client()) {
            Deployer deployer = new Deployer(client, kube.namespace);
            Optional<Deployer.Status> status = deployer.status(name);
            if (status.isEmpty()) {
                spec.commandLine().getErr().println("no FlinkDeployment " + name + " in namespace " + deployer.namespace());
                return 1;
            }
            spec.commandLine().getOut().println(status.get());
            return 0;
        }
    }
}
