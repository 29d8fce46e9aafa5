package io.flinfer.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("--add-") || flag.startsWith("-Dai.djl")) {
                command.add(flag);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FlinferCli.class.getName());
        command.add("batch");
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new BatchProcess(process, log);
    }

    /** SIGKILL: no shutdown hook, no savepoint, no cleanup. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
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
