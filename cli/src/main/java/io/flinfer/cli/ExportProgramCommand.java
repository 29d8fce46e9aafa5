package io.flinfer.cli;

import io.flinfer.engine.Dtype;
import io.flinfer.engine.model.ProgramExport;
import io.flinfer.jobs.EngineOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flinfer model export-program}: the forward program and its weights, for PyTorch without Java. */
@Command(
        name = "export-program",
        mixinStandardHelpOptions = true,
        description = {"Write the engine's forward program for PyTorch alone: the TorchScript archive the engine runs"
                + " (" + ProgramExport.PROGRAM + ", loads with torch.jit.load), its weights in the order its"
                + " setup_weights takes them (" + ProgramExport.WEIGHTS + ", plain tensors in --dtype, no oneDNN"
                + " packing) and " + ProgramExport.MANIFEST + ": the model's config, the set-up calls, the KV cache's"
                + " layout, the forward method's input format and an example prefill and decode step.",
                "Check it on a GPU machine without Java: python3 tools/gpu-check.py DIR (see docs/architecture.md)."})
final class ExportProgramCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder (Hugging Face layout, safetensors).")
    Path model;

    @Option(names = "--dtype", required = true, paramLabel = "DTYPE", converter = EngineOptions.DtypeConverter.class,
            description = "Compute dtype of the exported weights: bfloat16, float16 or float32.")
    Dtype dtype;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to create; must not exist or be empty.")
    Path out;

    @Option(names = "--max-positions", defaultValue = "0", paramLabel = "N",
            description = "Longest sequence the program can run (sizes the RoPE tables). Default: the model's"
                    + " max_position_embeddings.")
    int maxPositions;

    @Override
    public Integer call() throws IOException {
        if (dtype == Dtype.AUTO) {
            throw new IllegalArgumentException("--dtype auto picks by device; name the dtype to export:"
                    + " bfloat16, float16 or float32");
        }
        SynthCommand.requireEmpty(out);
        ProgramExport.write(model, dtype.named(), maxPositions, out);
        spec.commandLine().getOut().println("wrote " + out);
        return 0;
    }
}
