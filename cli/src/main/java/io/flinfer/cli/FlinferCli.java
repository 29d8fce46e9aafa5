package io.flinfer.cli;

import io.flinfer.cli.deploy.DeployCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flinfer} command line: one subcommand per task. */
@Command(
        name = "flinfer",
        mixinStandardHelpOptions = true,
        version = "flinfer 0.1.0",
        description = "LLM batch inference inside Apache Flink.",
        subcommands = {
            CommandLine.HelpCommand.class,
            GenerateCommand.class,
            KafkaCommand.class,
            PublishCommand.class,
            ConsumeCommand.class,
            ModelCommand.class,
            BenchCommand.class,
            RunCommand.class,
            BatchCommand.class,
            DeployCommand.class,
            DemoCommand.class,
            DoctorCommand.class,
        })
public final class FlinferCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run commands through it in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new FlinferCli());
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        cli.setUsageHelpAutoWidth(true);
        return cli;
    }
}
