package io.flinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flinfer bench ...}: offline benchmarks in the manner of {@code vllm bench}. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmark the engine offline (random-token prompts, as vllm bench).",
        subcommands = {BenchThroughputCommand.class, BenchPrefixCommand.class, BenchPipelineCommand.class,
                BenchBatchCommand.class, BenchGemmCommand.class, BenchStructuredCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Writes a benchmark's JSON report when {@code --output-json} was given. */
    static void writeJson(Path file, ObjectNode report) throws IOException {
        if (file != null) {
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), report);
        }
    }
}
