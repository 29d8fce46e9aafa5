package io.flinfer.cli;

import io.flinfer.jobs.ModelDownload;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flinfer model ...}: commands that make, download or inspect model checkpoints. */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description = "Make, download, inspect or export model checkpoints.",
        subcommands = {SynthCommand.class, SynthLoraCommand.class, ModelDownload.class, ExportProgramCommand.class})
final class ModelCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
