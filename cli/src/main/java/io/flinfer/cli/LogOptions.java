package io.flinfer.cli;

import io.flinfer.local.UserCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --log-file} and {@code -v} of the commands that run Flink, Kafka and the engine in this process.
 * By default each run logs to a new file in the user's cache folder, not in the job's state folder: a
 * batch run deletes its work folder when it succeeds, the embedded broker's state is temporary, and a
 * log must outlive both.
 */
public final class LogOptions {
    /** Logs of earlier runs kept per command in the default folder. */
    static final int KEPT_PER_COMMAND = 10;
    private static final DateTimeFormatter STARTED = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Where the logs of Flink, Kafka and the engine go. Default: a new file for each run"
                    + " in the folder ~/.cache/flinfer/logs (or $XDG_CACHE_HOME/flinfer/logs); the newest "
                    + KEPT_PER_COMMAND + " of each command are kept.")
    Path logFile;

    @Option(names = {"-v", "--verbose"}, description = "Show those logs on the console too, as they are written.")
    boolean verbose;

    /** Sends the logs to their file while {@code command} runs, and says once where it is. */
    CommandLog open(CommandSpec command) {
        Path file = logFile != null ? logFile : newFileIn(UserCache.folder("logs"), command.qualifiedName("-"));
        CommandLog log = CommandLog.toFile(file, verbose);
        PrintWriter err = command.commandLine().getErr();
        err.println("Log: " + file.toAbsolutePath() + (verbose ? "" : " (-v shows it here too)"));
        err.flush();
        return log;
    }

    /** {@code <folder>/<command>-<start>-<pid>.log}, after removing all but the newest logs of the command. */
    static Path newFileIn(Path folder, String command) {
        String prefix = command + "-";
        try {
            Files.createDirectories(folder);
            List<Path> runs;
            try (Stream<Path> files = Files.list(folder)) {
                runs = files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(".log"))
                        .sorted().toList();
            }
            for (Path old : runs.subList(0, Math.max(0, runs.size() - (KEPT_PER_COMMAND - 1)))) {
                deleteWithRollovers(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the log folder " + folder + " (name a file with --log-file): "
                    + e.getMessage(), e);
        }
        return folder.resolve(prefix + LocalDateTime.now().format(STARTED) + "-" + ProcessHandle.current().pid() + ".log");
    }

    /** The log and the files it rolled over into ({@code .log.1}, ...). */
    private static void deleteWithRollovers(Path log) throws IOException {
        String name = log.getFileName().toString();
        try (Stream<Path> files = Files.list(log.getParent())) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(name)).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
