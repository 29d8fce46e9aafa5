package io.flinfer.cli;

import picocli.CommandLine;

/**
 * Turns an exception from a command into one readable line and exit status 1: users need to know
 * what is wrong, not where in our code it was noticed. {@code FLINFER_DEBUG=1} adds the trace.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
            Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        cli.getErr().println("error: " + message);
        if (System.getenv("FLINFER_DEBUG") != null) {
            e.printStackTrace(cli.getErr());
        }
        return 1;
    }
}
