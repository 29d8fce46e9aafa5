package io.flinfer.local;

import io.flinfer.cli.FlinferCli;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code flinfer} command line as a separate OS process, as a user runs it: this test's classpath
 * (the built classes and their dependencies), the JVM flags the launcher passes, output into a file.
 * Killing it kills everything in it: the local Flink cluster, the engine, the Kafka clients.
 */
final class FlinferProcess implements AutoCloseable {
    private final Process process;
    private final Path output;

    private FlinferProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    static FlinferProcess start(Path output, List<String> args) throws IOException {
        return start(output, args, ProcessBuilder.Redirect.PIPE);
    }

    /** With standard input read from {@code input}, as {@code printf ... | flinfer publish -} has it. */
    static FlinferProcess start(Path output, List<String> args, ProcessBuilder.Redirect input) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx1g");
        // The --add-opens/--add-exports flags Flink needs on Java 17, and DJL's offline mode, as this JVM got them.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("-Dai.djl")).forEach(command::add);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FlinferCli.class.getName());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(input).start();
        return new FlinferProcess(process, output);
    }

    /** SIGKILL, as the OOM killer or {@code kill -9} does it: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, as Ctrl-C or a redeploy does it; waits until the process has exited. */
    void terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("flinfer did not exit within " + timeout + " of SIGTERM; its output:\n" + output());
        }
    }

    /** Waits until the process exits by itself; returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("flinfer did not finish within " + timeout + "; its output:\n" + output());
        }
        return process.exitValue();
    }

    /** Waits until the process has printed {@code text}; fails if it exits first. */
    void awaitOutput(String text, Duration timeout) throws Exception {
        Await.until("\"" + text + "\" in the output of flinfer", timeout, () -> {
            if (!process.isAlive() && !output().contains(text)) {
                throw new AssertionError("flinfer exited without printing \"" + text + "\"; its output:\n" + output());
            }
            return output().contains(text);
        });
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process wrote to stdout and stderr so far. */
    String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            return "(could not read " + output + ": " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
