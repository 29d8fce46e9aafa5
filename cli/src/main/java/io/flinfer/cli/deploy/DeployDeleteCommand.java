package io.flinfer.cli.deploy;

import io.flinfer.deployments.Deployer;
import java.util.Optional;
import picocli.CommandLine.Command;

/** {@code flinfer deploy delete}: removes a FlinkDeployment; the operator then stops its job and cluster. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a FlinkDeployment: the operator stops the job (no savepoint) and removes its pods."
                + " Checkpoints, savepoints and the model cache stay. Exits 1 if there is no such FlinkDeployment.")
final class DeployDeleteCommand extends NamedDeploymentCommand {
    @Override
    Optional<String> act(Deployer deployer) {
        return deployer.delete(name) ? Optional.of("deleted FlinkDeployment " + name) : Optional.empty();
    }
}
