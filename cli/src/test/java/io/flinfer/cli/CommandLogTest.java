package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logging of commands that run Flink, Kafka and the engine here (log4j2-command.properties): the
 * libraries' lines go to the log file, the console shows Flinfer's warnings and errors and what a
 * restore resumed, {@code -v} shows the file too, and the warnings of every run's end are information.
 */
class CommandLogTest {
    private static final Logger FLINK = LoggerFactory.getLogger("org.apache.flink.runtime.taskexecutor.TaskExecutor");
    private static final Logger CHECKPOINTS = LoggerFactory.getLogger("org.apache.flink.runtime.checkpoint.CheckpointFailureManager");
    private static final Logger KAFKA = LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient");
    private static final Logger ENGINE = LoggerFactory.getLogger("io.flinfer.operators.generate.EngineHost");
    private static final Logger RESUME = LoggerFactory.getLogger("io.flinfer.operators.generate.GenerateOperator");

    @TempDir Path dir;

    @Test
    void librariesLogToTheFileAndTheConsoleShowsWhatTheUserNeeds() throws Exception {
        Logged logged = logged(false, () -> {
            FLINK.info("Starting TaskManager");
            FLINK.warn("a Flink warning");
            KAFKA.warn("[Consumer clientId=c] Connection to node -1 could not be established");
            ENGINE.error("engine step failed; failing 2 running requests", new IllegalStateException("out of blocks"));
            RESUME.info("generate 1/1 resumed 3 in-flight requests from checkpoint 7, keeping 12 generated tokens");
        });

        assertThat(logged.console()).isEqualTo("error: engine step failed; failing 2 running requests: out of blocks\n"
                + "generate 1/1 resumed 3 in-flight requests from checkpoint 7, keeping 12 generated tokens\n");
        assertThat(logged.file()).contains("INFO  [main] org.apache.flink.runtime.taskexecutor.TaskExecutor - Starting TaskManager",
                "WARN  [main] org.apache.flink.runtime.taskexecutor.TaskExecutor - a Flink warning",
                "Connection to node -1 could not be established",
                "ERROR [main] io.flinfer.operators.generate.EngineHost - engine step failed",
                "java.lang.IllegalStateException: out of blocks", "resumed 3 in-flight requests");
    }

    @Test
    void verboseShowsEverythingTheFileGetsOnTheConsoleOnce() throws Exception {
        Logged logged = logged(true, () -> {
            FLINK.info("Starting TaskManager");
            ENGINE.warn("a warning of ours");
        });

        assertThat(logged.console().lines()).hasSize(2);
        assertThat(logged.console()).contains("INFO  TaskExecutor - Starting TaskManager", "WARN  EngineHost - a warning of ours");
        assertThat(logged.file()).contains("Starting TaskManager", "a warning of ours");
    }

    @Test
    void checkpointsDeclinedAsTheJobEndsAreInformationAndAFailedOneAWarning() throws Exception {
        Logged logged = logged(false, () -> {
            CHECKPOINTS.warn("Failed to trigger or complete checkpoint 2 for job j.",
                    new CheckpointException(CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_CLOSING));
            CHECKPOINTS.warn("Failed to trigger or complete checkpoint 3 for job j.", new CheckpointException(
                    "TaskManager received a checkpoint request for unknown task t.", CheckpointFailureReason.TASK_CHECKPOINT_FAILURE));
            CHECKPOINTS.warn("Failed to trigger or complete checkpoint 4 for job j.",
                    new CheckpointException(CheckpointFailureReason.CHECKPOINT_EXPIRED));
        });

        String manager = "[main] org.apache.flink.runtime.checkpoint.CheckpointFailureManager - Failed to trigger or complete";
        assertThat(logged.console()).isEmpty();
        assertThat(logged.file()).contains("INFO  " + manager + " checkpoint 2 for job j."
                        + " (expected: Checkpoint was declined (task is closing), as tasks start or the job ends)",
                "INFO  " + manager + " checkpoint 3 for job j. (expected: a finished task)",
                "WARN  " + manager + " checkpoint 4 for job j.");
        assertThat(logged.file().split("CheckpointException")).as("a stack trace for the real failure only").hasSize(2);
    }

    @Test
    void aNewDefaultLogFileKeepsTheNewestLogsOfItsCommand() throws IOException {
        for (int i = 0; i < LogOptions.KEPT_PER_COMMAND + 3; i++) {
            Files.writeString(dir.resolve(String.format("flinfer-run-20260101-0000%02d-1.log", i)), "");
        }
        Files.writeString(dir.resolve("flinfer-run-20260101-000000-1.log.1"), "");
        Files.writeString(dir.resolve("flinfer-demo-20250101-000000-1.log"), "");

        Path file = LogOptions.newFileIn(dir, "flinfer-run");

        assertThat(file.getFileName().toString()).startsWith("flinfer-run-").endsWith("-" + ProcessHandle.current().pid() + ".log");
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .as("the newest runs, leaving room for the new one; other commands' logs stay")
                    .hasSize(LogOptions.KEPT_PER_COMMAND)
                    .startsWith("flinfer-demo-20250101-000000-1.log", "flinfer-run-20260101-000004-1.log")
                    .endsWith("flinfer-run-20260101-000012-1.log");
        }
    }

    /** What the console (stdout and stderr) and the log file got. */
    private record Logged(String console, String file) {}

    /** Runs {@code lines} under a command's logging to a file in {@link #dir}. */
    private Logged logged(boolean verbose, Runnable lines) throws IOException {
        Path file = dir.resolve("run.log");
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(console, true, StandardCharsets.UTF_8);
        // Before the configuration starts: its console appenders take the streams they find.
        System.setOut(both);
        System.setErr(both);
        try (CommandLog log = CommandLog.toFile(file, verbose)) {
            lines.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Logged(console.toString(StandardCharsets.UTF_8), Files.readString(file));
    }
}
