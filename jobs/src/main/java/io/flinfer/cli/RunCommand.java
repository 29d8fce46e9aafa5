package io.flinfer.cli;

import io.flinfer.jobs.LocalCluster;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import io.flinfer.kafka.EmbeddedKafka;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the streaming job on a local MiniCluster until interrupted. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the streaming job: requests from Kafka, completions back to Kafka exactly once.",
                "Without --bootstrap-servers an embedded Kafka broker is started and its address printed."})
public final class RunCommand implements Callable<Integer> {
    @Mixin EngineOptions engine;
    @Mixin PipelineCommandOptions pipeline;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka to use. Default: start an embedded broker.")
    String bootstrapServers;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        EmbeddedKafka kafka = null;
        try {
            String servers = bootstrapServers;
            if (servers == null) {
                kafka = EmbeddedKafka.start();
                servers = kafka.bootstrapServers();
                out.println("Started an embedded Kafka broker at " + servers
                        + " (publish with: ./flinfer publish --bootstrap-servers " + servers + " FILE)");
            }
            PipelineOptions options = pipeline.toOptions(servers, engine.toConfig());
            if (kafka != null) {
                kafka.createTopic(options.inputTopic(), pipeline.parallelism());
                kafka.createTopic(options.outputTopic(), 1);
                kafka.createTopic(options.deadLetterTopic(), 1);
            }
            StreamExecutionEnvironment env = LocalCluster.environment(
                    pipeline.parallelism(), pipeline.checkpointInterval(), pipeline.metricsPort());
            StreamingJob.build(env, options);
            out.println("Reading " + options.inputTopic() + ", writing " + options.outputTopic()
                    + (pipeline.metricsPort() > 0 ? "; metrics on http://localhost:" + pipeline.metricsPort() + "/metrics" : "")
                    + ". Ctrl-C stops.");
            out.flush();
            env.execute("flinfer");
            return 0;
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }
}
