package io.flinfer.local;

import io.flinfer.jobs.Checkpointing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.dispatcher.UnavailableDispatcherOperationException;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.ExceptionUtils;

/**
 * A Flink MiniCluster in this process, set up the way the jobs want it: exactly-once checkpoints into
 * a checkpoint directory, restarts with backoff that never give up (a missing broker or topic is
 * waited out, not a reason to exit), and the Prometheus reporter when asked.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Duration RPC_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration SNAPSHOT_RETRY = Duration.ofMillis(200);

    /**
     * How the local cluster runs a job; what a real cluster takes from its own configuration.
     *
     * @param metricsPort port of the Prometheus endpoint; 0 disables it
     * @param slots task slots: the parallelism, plus those of each further model's slot sharing group
     */
    public record Settings(int parallelism, Duration checkpointInterval, int metricsPort, int slots) {
        /** A slot per subtask of a job whose operators all share slots. */
        public Settings(int parallelism, Duration checkpointInterval, int metricsPort) {
            this(parallelism, checkpointInterval, metricsPort, parallelism);
        }
    }

    private final MiniCluster cluster;
    private final Settings settings;
    private final StateDirectory state;

    private LocalCluster(MiniCluster cluster, Settings settings, StateDirectory state) {
        this.cluster = cluster;
        this.settings = settings;
        this.state = state;
    }

    /** Starts a cluster with a slot per subtask, writing checkpoints and savepoints under {@code state}. */
    public static LocalCluster start(Settings s, StateDirectory state) throws Exception {
        Configuration conf = baseConfiguration(s.slots());
        // A service: restarts with backoff that never give up, so a broker that is away or a topic that
        // is missing is waited out (RestartReporter says why), never a reason to exit.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(30));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        return start(s, state, conf);
    }

    /**
     * Starts a cluster for a run with an end (a batch job): a few restarts, then the failure is the
     * command's to report, not something to wait out.
     */
    public static LocalCluster startForRun(Settings s, StateDirectory state) throws Exception {
        Configuration conf = baseConfiguration(s.slots());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return start(s, state, conf);
    }

    private static LocalCluster start(Settings s, StateDirectory state, Configuration conf) throws Exception {
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, state.checkpoints().toUri().toString());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, state.savepoints().toUri().toString());
        if (s.metricsPort() > 0) {
            conf.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", String.valueOf(s.metricsPort()));
        }
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(Math.max(s.slots(), 1))
                .withRandomPorts().build());
        cluster.start();
        return new LocalCluster(cluster, s, state);
    }

    /** A slot per subtask and the TaskManager settings of the jobs. */
    private static Configuration baseConfiguration(int slots) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(slots, 1));
        Checkpointing.TASK_MANAGER_SETTINGS.forEach(conf::setString);
        return conf;
    }

    /** An environment to build a job graph in: the settings' parallelism and the jobs' checkpointing. */
    public StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(settings.parallelism());
        Checkpointing.configure(env, settings.checkpointInterval());
        return env;
    }

    /**
     * Submits the job built in {@code env}, restored from the snapshot {@code restoreFrom} when there is one.
     * The job takes the snapshot over (claim mode), so the directory keeps only the snapshots it needs.
     */
    public JobID submit(StreamExecutionEnvironment env, String name, Path restoreFrom) throws Exception {
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(name);
        JobGraph graph = streamGraph.getJobGraph();
        if (restoreFrom != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restoreFrom.toUri().toString(), false, RestoreMode.CLAIM));
        }
        cluster.submitJob(graph).get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return graph.getJobID();
    }

    public JobStatus status(JobID job) throws Exception {
        return cluster.getJobStatus(job).get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public AccessExecutionGraph executionGraph(JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public CheckpointStatsSnapshot checkpointStats(JobID job) throws Exception {
        return executionGraph(job).getCheckpointStatsSnapshot();
    }

    /** Blocks until the job ends; throws its failure, if it failed. */
    public void awaitEnd(JobID job) throws Exception {
        var result = cluster.requestJobResult(job).get();
        if (result.getSerializedThrowable().isPresent()) {
            throw new IllegalStateException("the job " + result.getApplicationStatus().name().toLowerCase(Locale.ROOT),
                    result.getSerializedThrowable().get().deserializeError(getClass().getClassLoader()));
        }
    }

    /**
     * Takes a savepoint into the state directory and stops the job once it is complete; returns its path.
     * Asked while the job starts, restarts or a task finishes, it is taken once Flink accepts it.
     */
    public String stopWithSavepoint(JobID job, Duration timeout) throws Exception {
        return whenAccepted(job, timeout, () -> cluster.stopWithSavepoint(job, state.savepoints().toUri().toString(),
                false, SavepointFormatType.CANONICAL));
    }

    /**
     * Takes a checkpoint now (unaligned, like the periodic ones) and returns its path once it is complete.
     * Asked while the job starts, restarts or a task finishes, it is taken once Flink accepts it.
     */
    public String checkpoint(JobID job, Duration timeout) throws Exception {
        return whenAccepted(job, timeout, () -> cluster.triggerCheckpoint(job));
    }

    /**
     * Flink refuses a snapshot at once, rather than taking it later, while the job master initializes
     * (right after the submission), while any task is not running yet (deploying, restarting; or running
     * for the job master but not yet known to its TaskManager, which Flink 1.20 reports as a "task local
     * checkpoint failure", its only use of that reason), while a task closes (a batch job's source at
     * the end of its files) and while the job leaves the running state (its checkpoint coordinator
     * suspends: a restart, which runs again, or the end, which the status check below sees). A stop asked
     * for then (Ctrl-C early in a run, or at such a moment) asks again until Flink takes it, the job ends,
     * or the timeout passes.
     */
    private String whenAccepted(JobID job, Duration timeout, Supplier<CompletableFuture<String>> snapshot) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return snapshot.get().get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (!refusedForNow(e) || System.nanoTime() >= deadline || status(job).isGloballyTerminalState()) {
                    throw e;
                }
                // Flink has no event a client can wait on for any of these states to pass.
                Thread.sleep(SNAPSHOT_RETRY.toMillis());
            }
        }
    }

    static boolean refusedForNow(Throwable failure) {
        if (ExceptionUtils.findThrowable(failure, UnavailableDispatcherOperationException.class).isPresent()) {
            return true;
        }
        return ExceptionUtils.findThrowable(failure, CheckpointException.class)
                .map(CheckpointException::getCheckpointFailureReason)
                .filter(reason -> reason == CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING
                        || reason == CheckpointFailureReason.TASK_CHECKPOINT_FAILURE
                        || reason == CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_CLOSING
                        || reason == CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_NOT_READY
                        || reason == CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND)
                .isPresent();
    }

    public void cancel(JobID job) throws Exception {
        cluster.cancelJob(job).get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        cluster.closeAsync().get(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
