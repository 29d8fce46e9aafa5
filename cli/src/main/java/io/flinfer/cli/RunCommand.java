package io.flinfer.cli;

import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.PipelineCommandOptions;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.local.LocalCluster;
import io.flinfer.local.LocalPipeline;
import java.io.PrintWriter;
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

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka to use. Default: start an embedded broker.")
    String bootstrapServers;

    @Option(names = "--parallelism", defaultValue = "1", description = "Parallel subtasks of every operator. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(names = "--metrics-port", defaultValue = "9249", description = "Port of the Prometheus metrics endpoint; 0 disables it. Default: ${DEFAULT-VALUE}.")
    int metricsPort;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PipelineOptions options = pipeline.toOptions(bootstrapServers, engine);
        try (LocalPipeline running = LocalPipeline.start(options,
                new LocalCluster.Settings(parallelism, pipeline.checkpointInterval(), metricsPort))) {
            String servers = running.options().bootstrapServers();
            if (running.startedBroker()) {
                out.println("Started an embedded Kafka broker at " + servers
                        + " (publish with: ./flinfer publish --bootstrap-servers " + servers + " FILE)");
            }
            out.println("Reading " + options.inputTopic() + ", writing " + options.outputTopic()
                    + (metricsPort > 0 ? "; metrics on http://localhost:" + metricsPort + "/metrics" : "")
                    + ". Ctrl-C stops.");
            out.flush();
            running.awaitEnd();
            return 0;
        }
    }
}
