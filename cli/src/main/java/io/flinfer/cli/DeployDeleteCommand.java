package io.flinfer.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flinfer.deployments.Deployer;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code flinfer deploy delete}: removes a FlinkDeployment; the operator then stops its job and cluster. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a FlinkDeployment: the operator stops the job (no savepoint) and removes its pods."
                + " Checkpoints, savepoints and the model cache stay. Exits 1 if there is no such FlinkDeployment.")
final class DeployDeleteCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The FlinkDeployment's name.")
    String name;

    @Mixin KubeOptions kube;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (KubernetesClient client = kube.client()) {
            Deployer deployer = new Deployer(client, kube.namespace);
            if (!deployer.delete(name)) {
                spec.commandLine().getErr().println("no FlinkDeployment " + name + " in namespace " + deployer.namespace());
                return 1;
            }
            spec.commandLine().getOut().println("deleted FlinkDeployment " + name);
            return 0;
        }
    }
}
