package io.flinfer.local;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.ThrowingRunnable;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * A job on a {@link LocalCluster} that outlives its process: its checkpoints stay in a
 * {@link StateDirectory}, a start resumes from the latest complete one there, and Ctrl-C (SIGINT or
 * SIGTERM) stops it with a savepoint or a checkpoint, so that the next start neither loses nor repeats work.
 */
public final class ResumableJob implements AutoCloseable {
    /** How long a graceful stop may take; the savepoint's barrier waits for the requests queued in front of it. */
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(5);

    private final LocalCluster cluster;
    private final JobID id;
    private final Optional<StateDirectory.Snapshot> resumedFrom;
    private final RestartReporter restarts;
    private volatile boolean stopped;

    private ResumableJob(LocalCluster cluster, JobID id, Optional<StateDirectory.Snapshot> resumedFrom, RestartReporter restarts) {
        this.cluster = cluster;
        this.id = id;
        this.resumedFrom = resumedFrom;
        this.restarts = restarts;
    }

    /** Submits the job built in {@code env}, restored from the latest complete snapshot in {@code state}, and says which. */
    public static ResumableJob start(LocalCluster cluster, StreamExecutionEnvironment env, String name, StateDirectory state,
            PrintWriter log) throws Exception {
        Optional<StateDirectory.Snapshot> latest = state.latest();
        if (latest.isPresent()) {
            StateDirectory.Snapshot s = latest.get();
            log.println("Resuming from " + (s.savepoint() ? "the savepoint" : "checkpoint") + " " + s.checkpointId()
                    + " of " + s.taken() + " in " + s.directory());
        } else if (!state.isTemporary()) {
            log.println("No checkpoint in " + state.root() + " yet: starting from the beginning; checkpoints go there.");
        }
        log.flush();
        state.keepOnly(latest);
        JobID id = cluster.submit(env, name, latest.map(StateDirectory.Snapshot::directory).orElse(null));
        return new ResumableJob(cluster, id, latest, RestartReporter.watch(cluster, id, log));
    }

    public JobID id() {
        return id;
    }

    /** The snapshot this run resumed from; empty when it started from the beginning. */
    public Optional<StateDirectory.Snapshot> resumedFrom() {
        return resumedFrom;
    }

    /**
     * From now on SIGINT (Ctrl-C) and SIGTERM stop the job with a savepoint; {@link #awaitEnd} then returns
     * and the process can exit. A second signal exits at once. Signal handlers rather than a shutdown
     * hook: hooks run in no order, and the engines' own hook would close them under the savepoint.
     */
    public void stopWithSavepointOnSignals(PrintWriter log) {
        onSignals(log, "a savepoint", () -> {
            String savepoint = stopWithSavepoint();
            log.println("Stopped with savepoint " + savepoint + "; start again with the same arguments to resume.");
        });
    }

    /**
     * From now on SIGINT (Ctrl-C) and SIGTERM take a checkpoint and then cancel the job, which keeps the
     * checkpoint; {@link #awaitEnd} then returns and the process can exit. For a job that reads a file
     * far ahead of its generate step: a checkpoint is unaligned, so it is quick however many requests
     * wait in the network buffers (they go into it), where a savepoint is always aligned and would wait
     * until all of them were generated.
     */
    public void stopWithCheckpointOnSignals(PrintWriter log) {
        onSignals(log, "a checkpoint", () -> {
            String checkpoint = cluster.checkpoint(id, STOP_TIMEOUT);
            cluster.cancel(id);
            log.println("Stopped after checkpoint " + checkpoint + "; start again with the same arguments to resume.");
        });
    }

    private void onSignals(PrintWriter log, String snapshot, ThrowingRunnable<Exception> stop) {
        AtomicBoolean stopping = new AtomicBoolean();
        SignalHandler handler = signal -> {
            if (stopping.getAndSet(true)) {
                log.println("Stopping now, without " + snapshot + ": the next start resumes from the last checkpoint.");
                log.flush();
                System.exit(128 + signal.getNumber());
            }
            Thread stopper = new Thread(() -> stopGracefully(log, snapshot, stop), "flinfer-stop-with-snapshot");
            stopper.start();
        };
        Signal.handle(new Signal("INT"), handler);
        Signal.handle(new Signal("TERM"), handler);
        log.println("Ctrl-C stops the job with " + snapshot + "; the same command then resumes it.");
        log.flush();
    }

    private void stopGracefully(PrintWriter log, String snapshot, ThrowingRunnable<Exception> stop) {
        stopped = true;
        log.println("Stopping with " + snapshot + " (Ctrl-C again stops at once)...");
        log.flush();
        try {
            stop.run();
        } catch (Exception e) {
            log.println("Could not take " + snapshot + " (" + e + "); cancelling. The next start resumes from the last"
                    + " checkpoint and redoes what came after it.");
            try {
                cluster.cancel(id);
            } catch (Exception cancelFailed) {
                log.println("Could not cancel the job either: " + cancelFailed);
            }
        }
        log.flush();
    }

    /** Stops the job once a savepoint of it is complete (its results are then committed); returns the savepoint's path. */
    public String stopWithSavepoint() throws Exception {
        return cluster.stopWithSavepoint(id, STOP_TIMEOUT);
    }

    /** Whether a signal stopped the job: it then ended without reaching the end of a bounded input. */
    public boolean stoppedBySignal() {
        return stopped;
    }

    /**
     * When the last of the job's tasks started running (epoch milliseconds): tasks run once they have
     * restored and opened their operators, so this is when the job was ready to work.
     */
    public long runningSinceMillis() throws Exception {
        long latest = 0;
        for (AccessExecutionVertex task : cluster.executionGraph(id).getAllExecutionVertices()) {
            latest = Math.max(latest, task.getStateTimestamp(ExecutionState.RUNNING));
        }
        return latest;
    }

    /** Blocks while the job runs; throws its failure. */
    public void awaitEnd() throws Exception {
        cluster.awaitEnd(id);
    }

    /** Cancels the job if it still runs; its last checkpoint stays in the state directory. */
    @Override
    public void close() throws Exception {
        restarts.stop();
        if (!cluster.status(id).isGloballyTerminalState()) {
            cluster.cancel(id);
        }
    }
}
