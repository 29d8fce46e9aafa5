package io.flinfer.cli;

import io.flinfer.jobs.kafka.KafkaAccessDenied;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Turns an exception from a command into one readable line and exit status 1: users need to know
 * what is wrong, not where in our code it was noticed. {@code FLINFER_DEBUG=1} adds the trace.
 * Kafka refusing the command's credentials or ACLs (anywhere in the cause chain, a job's failure
 * included) exits with status 2: a setting to fix, not a failure to retry.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    /** Exit status when Kafka refuses the command's credentials, certificate or ACLs. */
    static final int KAFKA_ACCESS_DENIED = 2;

    @Override
    public int handleExecutionException(
            Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        Optional<KafkaAccessDenied> denied = KafkaAccessDenied.in(e);
        Throwable shown = denied.isPresent() ? denied.get() : e;
        String message = shown.getMessage() == null ? shown.toString() : shown.getMessage();
        cli.getErr().println("error: " + message);
        if (System.getenv("FLINFER_DEBUG") != null) {
            e.printStackTrace(cli.getErr());
        }
        return denied.isPresent() ? KAFKA_ACCESS_DENIED : 1;
    }
}
