package io.flinfer.local;

import java.io.PrintWriter;
import java.time.Duration;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.executiongraph.ErrorInfo;

/**
 * Says why a local job restarts, once per failure: the job restarts with backoff and never gives up
 * (a broker that is away or a topic that is missing is waited out), so this line is how a user learns
 * what it is waiting for.
 */
final class RestartReporter {
    private static final Duration POLL = Duration.ofSeconds(1);

    private final Thread thread;

    private RestartReporter(Thread thread) {
        this.thread = thread;
    }

    static RestartReporter watch(LocalCluster cluster, JobID job, PrintWriter log) {
        Thread thread = new Thread(() -> {
            long lastFailure = 0;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    ErrorInfo failure = cluster.executionGraph(job).getFailureInfo();
                    // A failure no restart can fix (Kafka denied access) fails the job instead: the command says why.
                    if (failure != null && failure.getTimestamp() != lastFailure && restarts(cluster.status(job))) {
                        lastFailure = failure.getTimestamp();
                        log.println("The job failed and restarts with backoff: " + rootCause(failure.getException()));
                        log.flush();
                    }
                    Thread.sleep(POLL.toMillis());
                }
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            } catch (Exception clusterGone) {
                // The cluster shut down: nothing left to watch.
            }
        }, "flinfer-restart-reporter");
        thread.setDaemon(true);
        thread.start();
        return new RestartReporter(thread);
    }

    private static boolean restarts(JobStatus status) {
        return status != JobStatus.FAILING && status != JobStatus.FAILED;
    }

    private static String rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    void stop() {
        thread.interrupt();
    }
}
