package io.flinfer.jobs;

import io.flinfer.engine.hub.HubSettings;
import io.flinfer.engine.hub.ModelSource;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fills the Hugging Face cache with a Hub model, with the code the engine resolves models with, so a
 * later run reads it offline. {@code flinfer model download} on a workstation, and the init container
 * of a FlinkDeployment's JobManager (this class's {@code main}) that fills the shared model cache.
 */
@Command(name = "download", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Download a Hugging Face Hub model into the Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub,"
                + " else ~/.cache/huggingface/hub), with $HF_TOKEN and $HF_ENDPOINT if set; prints the snapshot folder.",
                "Downloads only what is missing; a model already cached is checked against the Hub and left as it is."})
public final class ModelDownload implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "ORG/NAME", description = "Hub id of the model.")
    String model;

    @Option(names = "--revision", defaultValue = ModelSource.DEFAULT_REVISION, paramLabel = "REV",
            description = "Branch, tag or commit. Default: ${DEFAULT-VALUE}.")
    String revision;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** The init container's entry point. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ModelDownload()).execute(args));
    }

    @Override
    public Integer call() {
        HubSettings settings = HubSettings.fromEnvironment();
        if (settings.offline()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "HF_HUB_OFFLINE is set: nothing can be downloaded");
        }
        Path snapshot = ModelSource.resolve(model, revision, settings, spec.commandLine().getErr()::println);
        spec.commandLine().getOut().println(snapshot);
        return 0;
    }
}
