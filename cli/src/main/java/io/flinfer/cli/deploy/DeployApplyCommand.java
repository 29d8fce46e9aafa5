package io.flinfer.cli.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.flinfer.deployments.Deployer;
import io.flinfer.deployments.ManifestValidator;
import io.flinfer.jobs.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flinfer deploy apply}: validated manifests, server-side applied, then followed until the operator settles. */
@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Validate the manifests (as `deploy validate`), send them to the cluster with server-side apply"
                + " (field manager 'flinfer', taking over conflicting fields), then report each FlinkDeployment's lifecycle"
                + " state as the operator moves it, until it is STABLE, FAILED, ROLLED_BACK or SUSPENDED.",
                "Exits 1 if a manifest is invalid, a deployment failed or rolled back, or --wait ran out."})
final class DeployApplyCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML files; - for standard input (deploy render ... | deploy apply -).")
    List<String> files;

    @Option(names = "--wait", defaultValue = "10m", converter = Durations.Converter.class, paramLabel = "DURATION",
            description = "How long to follow the operator; 0 to return once applied. Default: ${DEFAULT-VALUE}.")
    Duration wait;

    @Mixin KubeOptions kube;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String manifests = Manifests.readAll(files);
        ManifestValidator.Result result = ManifestValidator.validate(manifests);
        if (!result.valid()) {
            result.problems().forEach(spec.commandLine().getErr()::println);
            spec.commandLine().getErr().println("nothing applied: fix the manifests first");
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        return kube.withClient(client -> {
            List<HasMetadata> applied = new Deployer(client, kube.namespace).apply(manifests);
            applied.forEach(r -> out.println("applied " + r.getKind() + " " + r.getMetadata().getName()
                    + " in namespace " + r.getMetadata().getNamespace()));
            boolean allStable = true;
            for (HasMetadata resource : applied) {
                if (!wait.isZero() && resource.getKind().equals("FlinkDeployment")) {
                    allStable &= follow(new Deployer(client, resource.getMetadata().getNamespace()), resource.getMetadata().getName());
                }
            }
            return allStable ? 0 : 1;
        });
    }

    private boolean follow(Deployer deployer, String name) {
        Deployer.Status last = deployer.awaitSettled(name, wait, status -> spec.commandLine().getOut().println(status));
        if (last == null || !last.settled()) {
            spec.commandLine().getErr().println(name + ": not settled after " + wait.toSeconds() + "s"
                    + "; `flinfer deploy status " + name + "` shows where it is");
            return false;
        }
        return !last.failed();
    }
}
