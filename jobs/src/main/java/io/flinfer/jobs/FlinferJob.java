package io.flinfer.jobs;

import java.time.Duration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The streaming job's entry point on a real Flink cluster: the {@code entryClass} of a
 * FlinkDeployment (application mode) or {@code flink run -c io.flinfer.jobs.FlinferJob}.
 *
 * <p>It takes the options of {@code flinfer run}, except those the cluster owns: parallelism comes from
 * the cluster ({@code parallelism.default}, a FlinkDeployment's {@code job.parallelism}, {@code flink run -p}),
 * and the metrics reporter from the cluster's configuration. It never starts a Kafka broker, so
 * {@code --bootstrap-servers} is required.
 */
@Command(name = "io.flinfer.jobs.FlinferJob", sortOptions = false,
        description = "The flinfer streaming job on a Flink cluster: requests from Kafka, completions back to Kafka exactly once.")
public final class FlinferJob {
    @Mixin EngineOptions engine;
    @Mixin PipelineCommandOptions pipeline;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrapServers;

    /** Runs on the cluster's client or JobManager; env.execute submits the job and blocks while it runs. */
    public static void main(String[] args) throws Exception {
        FlinferJob job = parse(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        job.build(env);
        env.execute(StreamingJob.NAME);
    }

    /**
     * Parses the job's arguments without touching the model or Kafka.
     *
     * @throws IllegalArgumentException naming the bad argument, followed by the usage; it ends up in the
     *         JobManager log (application mode) or on the console of {@code flink run}
     */
    public static FlinferJob parse(String... args) {
        FlinferJob job = new FlinferJob();
        CommandLine cli = new CommandLine(job);
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("bad FlinferJob arguments: " + e.getMessage() + "\n" + cli.getUsageMessage(), e);
        }
        return job;
    }

    /** Resolves the model (the JobManager downloads a Hub id into its Hugging Face cache) and adds the job to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        Checkpointing.configure(env, pipeline.checkpointInterval());
        StreamingJob.build(env, pipeline.toOptions(bootstrapServers, engine));
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Duration checkpointInterval() {
        return pipeline.checkpointInterval();
    }

    public EngineOptions engine() {
        return engine;
    }
}
