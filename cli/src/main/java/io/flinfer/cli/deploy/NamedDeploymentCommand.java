package io.flinfer.cli.deploy;

import io.flinfer.deployments.Deployer;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** A {@code deploy} command on one FlinkDeployment by name; exits 1 when there is none of that name. */
abstract class NamedDeploymentCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The FlinkDeployment's name.")
    String name;

    @Mixin KubeOptions kube;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        return kube.withClient(client -> {
            Deployer deployer = new Deployer(client, kube.namespace);
            Optional<String> done = act(deployer);
            if (done.isEmpty()) {
                spec.commandLine().getErr().println("no FlinkDeployment " + name + " in namespace " + deployer.namespace());
                return 1;
            }
            spec.commandLine().getOut().println(done.get());
            return 0;
        });
    }

    /** @return what to print, or empty when there is no FlinkDeployment of that name */
    abstract Optional<String> act(Deployer deployer);
}
