package io.flinfer.cli;

import io.flinfer.doctor.Diagnosis;
import io.flinfer.engine.ComputeDevice;
import io.flinfer.engine.Dtype;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.GreedyGolden.Outcome;
import io.flinfer.engine.Quantization;
import io.flinfer.engine.model.ComputePaths;
import io.flinfer.engine.model.PathCheck;
import io.flinfer.jobs.EngineOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flinfer doctor}: what to run when text looks wrong or slow. Prints the machine as the
 * engine's kernels see it, the paths a model's load-time check chose here with what each check
 * measured, and replays llama2.c's greedy output for the bundled stories260K.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check that the engine computes correctly on this machine, and show how it computes.",
            "",
            "Prints the JVM, the CPU and the instruction sets its kernels pick from, threads, libtorch, the compute "
                    + "paths chosen for a model after checking each fast path against ATen's plain ops here "
                    + "(error and time of each check), and replays llama2.c's greedy output for the bundled "
                    + "stories260K.",
            "",
            "Exit status: 0 all passed; 1 the golden prompts differ (the engine computes wrongly here: please "
                    + "report it with this output); 3 the output is right, but a fast path failed its check and fell "
                    + "back to a slower reference path."})
final class DoctorCommand implements Callable<Integer> {
    static final int WRONG = 1;
    static final int FELL_BACK = 3;

    @Option(names = "--model", paramLabel = "FOLDER",
            description = "A checkpoint folder whose weight shapes to check the fast paths on. Default: the bundled stories260K.")
    Path model;

    @Option(names = "--device", defaultValue = EngineConfig.DEFAULT_DEVICE, converter = EngineOptions.DeviceConverter.class,
            description = "cpu or cuda:N. Default: ${DEFAULT-VALUE}.")
    ComputeDevice device;

    @Option(names = "--dtype", defaultValue = EngineConfig.DEFAULT_DTYPE, converter = EngineOptions.DtypeConverter.class,
            description = "Compute dtype to check the paths of: auto, float32, bfloat16 or float16, as for run. Other than "
                    + "float32, the golden prompts are also replayed in it and reported (rounding may change a greedy "
                    + "choice, so they are not required identical). Default: ${DEFAULT-VALUE}.")
    Dtype dtype;

    @Option(names = "--quantization", defaultValue = EngineConfig.DEFAULT_QUANTIZATION,
            converter = EngineOptions.QuantizationConverter.class,
            description = "Weight quantization to check: none or int8, as for run; int8 golden prompts are reported like "
                    + "another dtype's. Default: ${DEFAULT-VALUE}.")
    Quantization quantization;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Checking the engine on this machine (loads the model, then replays the golden prompts)...");
        out.flush();
        Diagnosis d = Diagnosis.run(model, device, new Diagnosis.Precision(dtype, quantization));
        out.println();
        out.println("Machine");
        d.machine().forEach((label, value) -> out.printf("  %-12s %s%n", label, value));
        printPaths(out, d);
        printGolden(out, d);
        printGoldenAtPrecision(out, d);
        out.println();
        boolean fellBack = !d.paths().allPassed();
        if (!d.goldenPassed()) {
            out.println("Result: WRONG. The engine does not reproduce llama2.c here. Please report this output.");
            return WRONG;
        }
        if (fellBack) {
            out.println("Result: correct, but slower than it could be: a fast path failed its check on this machine and "
                    + "the engine uses the reference path in its place (see FAILED above).");
            return FELL_BACK;
        }
        out.println("Result: all passed.");
        return 0;
    }

    private static void printPaths(PrintWriter out, Diagnosis d) {
        ComputePaths p = d.paths();
        out.println();
        out.printf("Compute paths (%s, %s on %s)%n", d.model().getFileName(), p.dtype(), p.device());
        out.printf("  %-12s %s%n", "linear", p.linearDescription());
        out.printf("  %-12s %s%n", "attention", p.attention());
        out.printf("  %-12s %s%n", "norm", p.norm());
        out.printf("  %-12s %d checks in %.0f ms%n", "self-check", p.checks().size(), p.checkSeconds() * 1e3);
        for (PathCheck c : p.checks()) {
            out.printf("    %-6s %s%n", c.passed() ? "ok" : "FAILED", c.describe());
        }
    }

    /** The golden prompts in another dtype or quantized: how far each follows llama2.c's float32 choices. */
    private void printGoldenAtPrecision(PrintWriter out, Diagnosis d) {
        if (d.goldenAtPrecision().isEmpty()) {
            return;
        }
        out.println();
        out.printf("Golden prompts in %s%s (reported, not checked: rounding may change a greedy choice)%n",
                // stories260K is stored in float32: auto computes it in float32.
                (dtype == Dtype.AUTO ? Dtype.FLOAT32 : dtype).name().toLowerCase(Locale.ROOT), quantization == Quantization.NONE ? "" : " with int8 weights");
        for (Outcome o : d.goldenAtPrecision()) {
            String prompt = '"' + o.golden().prompt() + '"';
            out.printf("  %-6s %-24s %s%n", o.passed() ? "same" : "apart", prompt, o.passed()
                    ? o.ids().length + " tokens as llama2.c"
                    : "as llama2.c for " + Math.max(o.firstDifference(), 0) + " of " + o.golden().greedyIds().length
                    + " generated tokens");
        }
    }

    private static void printGolden(PrintWriter out, Diagnosis d) {
        out.println();
        out.printf("Golden prompts (stories260K greedy, llama2.c's run.c; %.1f s)%n", d.goldenSeconds());
        for (Outcome o : d.golden()) {
            String prompt = '"' + o.golden().prompt() + '"';
            out.printf("  %-6s %-24s %s%n", o.passed() ? "pass" : "FAIL", prompt, o.passed()
                    ? o.ids().length + " tokens as llama2.c"
                    : o.firstDifference() >= 0 ? "differs from llama2.c at generated token " + o.firstDifference()
                    : "same ids, but the text or prompt ids differ");
        }
    }
}
