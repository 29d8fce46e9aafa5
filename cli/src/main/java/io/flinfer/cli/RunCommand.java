package io.flinfer.cli;

import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.PipelineCommandOptions;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.local.LocalCluster;
import io.flinfer.local.LocalPipeline;
import io.flinfer.local.StateDirectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the streaming job on a local MiniCluster until interrupted. On a real cluster the same job
 * runs through {@link io.flinfer.jobs.FlinferJob}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the streaming job: requests from Kafka, completions back to Kafka exactly once.",
                "Without --bootstrap-servers an embedded Kafka broker is started and its address printed."})
public final class RunCommand implements Callable<Integer> {
    @Mixin EngineOptions engine;
    @Mixin PipelineCommandOptions pipeline;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka to use; its missing topics are created. Default: start an embedded broker.")
    String bootstrapServers;

    @Option(names = "--parallelism", defaultValue = "1", description = "Parallel subtasks of every operator. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--metrics-port", defaultValue = "9249", description = "Port of the Prometheus metrics endpoint; 0 disables it. Default: ${DEFAULT-VALUE}.")
    int metricsPort;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where checkpoints outlive the process; a start resumes from the latest one there."
                    + " Default: ~/.cache/flinfer/state/GROUP-INPUT_TOPIC (temporary with the embedded broker).")
    Path stateDir;

    @Option(names = "--fresh", description = "Forget the state in --state-dir and start over from the committed Kafka offsets.")
    boolean fresh;

    @Option(names = "--topic-partitions", defaultValue = "0", paramLabel = "N",
            description = "Partitions of the input topic when it has to be created. Default: --parallelism.")
    int topicPartitions;

    @Option(names = "--replication-factor", defaultValue = "0", paramLabel = "N",
            description = "Replicas of topics it creates. Default: the broker's default.replication.factor.")
    int replicationFactor;

    @Mixin LogOptions logging;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PipelineOptions options = pipeline.toOptions(bootstrapServers, engine);
        Path state = stateDir != null ? stateDir : StateDirectory.defaultFor(options.groupId() + "-" + options.inputTopic());
        LocalPipeline.Settings settings = new LocalPipeline.Settings(
                new LocalCluster.Settings(parallelism, pipeline.checkpointInterval(), metricsPort,
                        options.generation().slots(parallelism)), state, fresh,
                topicPartitions, replicationFactor);
        try (CommandLog log = logging.open(spec);
                LocalPipeline running = LocalPipeline.start(options, settings, out)) {
            String servers = running.options().bootstrapServers();
            if (running.startedBroker()) {
                out.println("Started an embedded Kafka broker at " + servers
                        + " (publish with: ./flinfer publish --bootstrap-servers " + servers + " FILE);"
                        + " its data and the job's checkpoints go when this process ends.");
            }
            out.println("Reading " + options.inputTopic() + ", writing " + options.outputTopic()
                    + (metricsPort > 0 ? "; metrics on http://localhost:" + metricsPort + "/metrics" : "")
                    + ". Ctrl-C stops with a savepoint.");
            out.flush();
            running.job().stopWithSavepointOnSignals(out);
            running.job().awaitEnd();
            return 0;
        }
    }
}
