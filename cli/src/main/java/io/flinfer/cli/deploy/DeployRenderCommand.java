package io.flinfer.cli.deploy;

import io.flinfer.deployments.DeploymentRenderer;
import io.flinfer.deployments.RenderOptions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code flinfer deploy render}: the FlinkDeployment of a pipeline, on standard output. */
@Command(name = "render", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the FlinkDeployment of a streaming (or, with --batch, batch) pipeline, built with the operator API's classes:"
                + " GPU limit, node selector and tolerations for the GPU type, one slot per GPU, checkpoints, savepoints and HA"
                + " under --state-dir, the Prometheus port, the model cache filled by the JobManager's init container, and the job's arguments.",
                "Pipe it to `flinfer deploy apply -`, or keep it in a file."})
final class DeployRenderCommand implements Callable<Integer> {
    @Mixin RenderOptions options;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        spec.commandLine().getOut().print(DeploymentRenderer.toYaml(DeploymentRenderer.render(options), renderArgs(args)));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** What follows {@code deploy render} on the command line, for the manifest's header. */
    private static List<String> renderArgs(List<String> all) {
        int render = all.indexOf("render");
        return all.subList(render + 1, all.size());
    }
}
