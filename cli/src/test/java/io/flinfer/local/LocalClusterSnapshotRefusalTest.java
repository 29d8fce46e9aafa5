package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.flink.runtime.dispatcher.UnavailableDispatcherOperationException;
import org.junit.jupiter.api.Test;

/**
 * Which refusals of a stop's snapshot pass by themselves (asked again), and which are the answer: the
 * ones {@code BatchResumeTest} and {@code RunProcessRestartTest} met when Ctrl-C came early or at the
 * moment a batch job's source finished.
 */
class LocalClusterSnapshotRefusalTest {

    @Test
    void aJobStartingRestartingOrClosingATaskRefusesForNow() {
        assertThat(LocalCluster.refusedForNow(new ExecutionException(new UnavailableDispatcherOperationException(
                "Unable to get JobMasterGateway for initializing job.")))).isTrue();
        assertThat(LocalCluster.refusedForNow(new ExecutionException(
                new CheckpointException(CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING)))).isTrue();
        assertThat(LocalCluster.refusedForNow(new ExecutionException(new RuntimeException("trigger failed",
                new CheckpointException(CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_CLOSING))))).isTrue();
        // A task the job master sees running that its TaskManager does not know yet (BatchResumeTest met it
        // under load, Ctrl-C right after the submission).
        assertThat(LocalCluster.refusedForNow(new ExecutionException(new CheckpointException(
                "TaskManager received a checkpoint request for unknown task", CheckpointFailureReason.TASK_CHECKPOINT_FAILURE))))
                .isTrue();
        // The job restarting under it (BatchResumeTest met it in a loaded full build, Ctrl-C while tasks deployed).
        assertThat(LocalCluster.refusedForNow(new ExecutionException(
                new CheckpointException(CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND)))).isTrue();
    }

    @Test
    void aSnapshotThatFailedIsTheAnswer() {
        assertThat(LocalCluster.refusedForNow(new ExecutionException(
                new CheckpointException(CheckpointFailureReason.CHECKPOINT_EXPIRED)))).isFalse();
        assertThat(LocalCluster.refusedForNow(new ExecutionException(
                new CheckpointException(CheckpointFailureReason.IO_EXCEPTION)))).isFalse();
        assertThat(LocalCluster.refusedForNow(new ExecutionException(new IllegalStateException("job not found")))).isFalse();
    }
}
