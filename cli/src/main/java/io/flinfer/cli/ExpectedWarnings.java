package io.flinfer.cli;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.rewrite.RewritePolicy;
import org.apache.logging.log4j.core.config.Node;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;

/**
 * Logs as information, without a stack trace, the warnings Flink and Kafka write on every local run,
 * when a job starts or ends, the cluster stops or the embedded broker starts and stops: a checkpoint
 * declined by a task still starting or already finishing, a timer a stopped executor ignores, a new
 * broker's empty metadata log, a client closed twice. A warning in the log then means something to
 * look at. A log4j plugin (rewrite policy), named in log4j2-command.properties.
 */
@Plugin(name = "ExpectedWarnings", category = Node.CATEGORY, elementType = "rewritePolicy", printObject = true)
public final class ExpectedWarnings implements RewritePolicy {
    /**
     * Why checkpoints fail while tasks start or a job ends: a periodic checkpoint may be triggered
     * before every task runs, and while tasks finish (Flink takes final checkpoints past them) or the
     * coordinator stops with the job (a failover's cause is logged, and printed, on its own).
     */
    static final Set<CheckpointFailureReason> STARTING_OR_ENDING = EnumSet.of(
            CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_NOT_READY,
            CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_CLOSING,
            CheckpointFailureReason.CHECKPOINT_DECLINED_INPUT_END_OF_STREAM,
            CheckpointFailureReason.CHECKPOINT_COORDINATOR_SHUTDOWN,
            CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND,
            CheckpointFailureReason.PERIODIC_SCHEDULER_SHUTDOWN);
    /** A checkpoint reached a TaskManager after the task had finished and left it. */
    private static final String FINISHED_TASK = "TaskManager received a checkpoint request for unknown task";

    /** A warning known by its logger and a part of its message. */
    private record Known(String logger, String messagePart, String why) {
        boolean matches(LogEvent event) {
            return logger.equals(event.getLoggerName()) && event.getMessage().getFormattedMessage().contains(messagePart);
        }
    }

    private static final List<Known> KNOWN = List.of(
            new Known("org.apache.flink.runtime.rpc.RpcEndpoint$MainThreadExecutor",
                    "The scheduled executor service is shutdown", "the cluster is stopping"),
            new Known("org.apache.kafka.controller.QuorumController", "The metadata log appears to be empty",
                    "a new embedded broker"),
            new Known("org.apache.kafka.clients.NetworkClient", "Attempting to close NetworkClient that has already been closed",
                    "the embedded broker is stopping"));

    @PluginFactory
    public static ExpectedWarnings create() {
        return new ExpectedWarnings();
    }

    @Override
    public LogEvent rewrite(LogEvent event) {
        String why = event.getLevel() == Level.WARN ? expectedBecause(event) : null;
        if (why == null) {
            return event;
        }
        return new Log4jLogEvent.Builder(event).setLevel(Level.INFO).setThrown(null)
                .setMessage(new SimpleMessage(event.getMessage().getFormattedMessage() + " (expected: " + why + ")")).build();
    }

    /** Why the event is expected, or null when it is a real warning. */
    private static String expectedBecause(LogEvent event) {
        if (event.getThrown() instanceof CheckpointException e) {
            if (STARTING_OR_ENDING.contains(e.getCheckpointFailureReason())) {
                return e.getCheckpointFailureReason().message() + ", as tasks start or the job ends";
            }
            if (e.getMessage() != null && e.getMessage().startsWith(FINISHED_TASK)) {
                return "a finished task";
            }
        }
        return KNOWN.stream().filter(known -> known.matches(event)).map(Known::why).findFirst().orElse(null);
    }
}
