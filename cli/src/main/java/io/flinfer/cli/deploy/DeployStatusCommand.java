package io.flinfer.cli.deploy;

import io.flinfer.deployments.Deployer;
import java.util.Optional;
import picocli.CommandLine.Command;

/** {@code flinfer deploy status}: what the operator says of a FlinkDeployment. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print a FlinkDeployment's lifecycle state, job state, JobManager deployment and error, as the operator reports them."
                + " Exits 1 if there is no such FlinkDeployment.")
final class DeployStatusCommand extends NamedDeploymentCommand {
    @Override
    Optional<String> act(Deployer deployer) {
        return deployer.status(name).map(Deployer.Status::toString);
    }
}
