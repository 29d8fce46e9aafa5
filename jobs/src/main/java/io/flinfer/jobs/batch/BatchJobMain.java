package io.flinfer.jobs.batch;

import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.Checkpointing;
import io.flinfer.jobs.EngineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The batch job's entry point on a real Flink cluster: the {@code entryClass} of a FlinkDeployment
 * (application mode) or {@code flink run -c io.flinfer.jobs.batch.BatchJobMain}. It takes the options
 * of {@code flinfer batch} except {@code --parallelism} (the cluster's), runs the job on the cluster's
 * checkpoint settings (resuming is the deployment's: savepoints, HA), and commits the output once the
 * job has finished. Input, output and work folder may be on any file system the cluster has.
 */
@Command(name = "io.flinfer.jobs.batch.BatchJobMain", sortOptions = false,
        description = "The flinfer batch job on a Flink cluster: files in, one output file out.")
public final class BatchJobMain {
    @Mixin EngineOptions engine;
    @Mixin BatchCommandOptions batch;

    public static void main(String[] args) throws Exception {
        BatchJobMain job = new BatchJobMain();
        CommandLine cli = new CommandLine(job);
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("bad BatchJobMain arguments: " + e.getMessage() + "\n" + cli.getUsageMessage(), e);
        }
        EngineConfig config = job.engine.toConfig();
        BatchPlan plan = job.batch.plan(job.engine, config, "cluster");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Checkpointing.configure(env, job.batch.checkpointInterval());
        BatchJob.build(env, plan.options());
        env.execute(BatchJob.NAME);
        plan.commit();
    }
}
