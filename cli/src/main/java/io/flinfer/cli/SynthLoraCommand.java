package io.flinfer.cli;

import io.flinfer.engine.model.LoraAdapter;
import io.flinfer.engine.synth.SyntheticLora;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flinfer model synth-lora}: writes a random LoRA adapter for a base model, for tests and benchmarks. */
@Command(
        name = "synth-lora",
        mixinStandardHelpOptions = true,
        description = "Write a random LoRA adapter (a PEFT folder: adapter_config.json, adapter_model.safetensors)"
                + " for a base model folder. A and B are both non-zero and scaled so that the adapter visibly"
                + " changes greedy output. For tests and benchmarks.")
final class SynthLoraCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--base", required = true, description = "The base model's folder.")
    Path base;

    @Option(names = "--rank", defaultValue = "16", description = "The adapter's rank r (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--out", required = true, description = "Folder to create; must not exist or be empty.")
    Path out;

    @Option(names = "--target-modules", split = ",", description = "Modules to adapt (default: all of "
            + "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj).")
    List<String> targets = LoraAdapter.MODULES;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random matrices (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--rslora", description = "Scale by lora_alpha / sqrt(r) (rsLoRA) instead of lora_alpha / r.")
    boolean rsLora;

    @Override
    public Integer call() throws IOException {
        SyntheticLora.Options options = new SyntheticLora.Options(rank, targets, seed, rsLora);
        SynthCommand.requireEmpty(out);
        SyntheticLora.write(base, out, options);
        spec.commandLine().getOut().println("wrote a rank-" + rank + " LoRA adapter for " + base + " to " + out);
        return 0;
    }
}
