package io.flinfer.cli.deploy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flinfer deploy ...}: pipelines on Kubernetes, as FlinkDeployments of the Flink Kubernetes Operator. */
@Command(
        name = "deploy",
        mixinStandardHelpOptions = true,
        description = "Run pipelines on Kubernetes with the Flink Kubernetes Operator (1.10): render a FlinkDeployment,"
                + " validate manifests against the operator's CRD schema, apply them, read their status, delete them.",
        subcommands = {DeployRenderCommand.class, DeployValidateCommand.class, DeployApplyCommand.class,
            DeployStatusCommand.class, DeployDeleteCommand.class})
public final class DeployCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
