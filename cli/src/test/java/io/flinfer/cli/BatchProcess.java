package io.flinfer.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code flinfer batch} in a JVM of its own, as a user starts it: so a test can kill it with a real
 * SIGKILL, or give it a heap of a chosen size. It runs on this test JVM's classpath and JVM flags.
 */
final class BatchProcess {
    private final Process process;
    private final Path log;

    private BatchProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static BatchProcess start(Path log, String maxHeap, List<String> args) throws IOException {
        return start(log, List.of("-Xmx" + maxHeap), Map.of(), args);
    }

    /**
     * @param jvmOptions such as the heap size
     * @param environment added to this JVM's, e.g. the Hub's address, which a process cannot change for itself
     */
    static BatchProcess start(Path log, List<String> jvmOptions, Map<String, String> environment, List<String> args)
            throws IOException {
        // A build started in the background of a non-interactive shell ignores SIGINT, and a child inherits that:
        // Ctrl-C (interrupt()) would then never reach the run. Start it with SIGINT's default action whatever ours is.
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT"));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("--add-") || flag.startsWith("-Dai.djl")) {
                command.add(flag);
            }
        }
        command.addAll(jvmOptions);
        // The command line's own logging, as users see it, not the tests' quieter one.
        command.add("-Dlog4j2.configurationFile=" + FlinferCli.class.getResource("/log4j2.properties"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FlinferCli.class.getName());
        command.add("batch");
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new BatchProcess(process, log);
    }

    /** SIGKILL: no shutdown hook, no savepoint, no cleanup. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGINT, as Ctrl-C in a terminal sends it. */
    void interrupt() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -INT " + process.pid() + " failed");
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit and returns its status; fails the test when it takes longer. */
    int await(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("flinfer batch did not end within " + seconds + " s; its output:\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
