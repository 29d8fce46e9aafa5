package io.flinfer.cli;

import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flinfer model synth}: writes a random-weight checkpoint with a real model's shapes, for benchmarks. */
@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        description = "Write a random-weight checkpoint (Hugging Face layout, with a byte-fallback BPE tokenizer)"
                + " whose shapes are those of a published model. For benchmarks and tests: its text is noise.")
final class SynthCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", required = true,
            description = "Model shape: tiny, tiny-qwen2, tiny-phi3, tiny-gemma2, tiny-gemma3, tiny-mixtral,"
                    + " tiny-qwen3-moe, tiny-qwen2-moe, llama-110m, mixtral-8x-110m, smollm2-135m, qwen2.5-0.5b,"
                    + " llama3.2-1b.")
    String preset;

    @Option(names = "--out", required = true, description = "Folder to create; must not exist or be empty.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "f32", description = "Weight type on disk: f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() throws IOException {
        SynthPreset shape = SynthPreset.named(preset);
        if (!dtype.equals("f32") && !dtype.equals("bf16")) {
            throw new IllegalArgumentException("--dtype must be f32 or bf16, not '" + dtype + "'");
        }
        requireEmpty(out);
        PrintWriter err = spec.commandLine().getErr();
        err.printf("writing %s (%,d parameters, %s) to %s%n", shape.name(), shape.parameterCount(), dtype, out);
        int[] lastPercent = {-1};
        SyntheticCheckpoint.write(shape, out, seed, dtype.equals("bf16"), (done, total) -> {
            int percent = (int) (100 * done / total);
            if (percent / 10 > lastPercent[0] / 10) {
                err.printf("  %3d%% (%,d of %,d parameters)%n", percent, done, total);
                err.flush();
                lastPercent[0] = percent;
            }
        });
        spec.commandLine().getOut().println("wrote " + out);
        return 0;
    }

    static void requireEmpty(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("output folder " + dir
                            + " is not empty; choose a new folder or delete it first");
                }
            }
        }
    }
}
