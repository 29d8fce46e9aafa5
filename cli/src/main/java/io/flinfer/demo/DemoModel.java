package io.flinfer.demo;

import io.flinfer.engine.hub.HubSettings;
import io.flinfer.engine.hub.ModelSource;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The model the demo runs: the one the user named; else stories260K, the tiny story model that
 * ships with Flinfer (no network needed); else, only if that is missing from the classpath, a
 * random-weight model, so that the pipeline still runs end to end (its text is noise, and
 * everything printed says so).
 *
 * @param name what to call the model in the output
 */
public record DemoModel(Path folder, String name, boolean randomWeights) {
    public static final String BUNDLED_NAME = "stories260K (llama2.c's TinyStories model, bundled)";
    public static final String FALLBACK_PRESET = "tiny";
    public static final String RANDOM_LABEL = "[random weights]";

    /**
     * @param asked the user's {@code --model}, or null for the default; a model the user named
     *     never falls back: failing to get it is an error
     * @param bundled the folder of the bundled stories260K
     */
    public static DemoModel resolve(String asked, String revision, HubSettings hub, Supplier<Path> bundled,
            SyntheticModelCache synthetic, PrintWriter err) {
        if (asked != null) {
            return new DemoModel(ModelSource.resolve(asked, revision, hub, err::println), asked, false);
        }
        try {
            return new DemoModel(bundled.get(), BUNDLED_NAME, false);
        } catch (IllegalStateException | UncheckedIOException e) {
            warnLoudly(err, e.getMessage());
            SynthPreset preset = SynthPreset.named(FALLBACK_PRESET);
            return new DemoModel(synthetic.get(preset, 0), "synthetic " + preset.name() + " " + RANDOM_LABEL, true);
        }
    }

    /** Whether the model renders chat messages; a story model continues a text instead. */
    public boolean hasChatTemplate() {
        try (Tokenizer tokenizer = Tokenizer.load(folder)) {
            return tokenizer.hasChatTemplate();
        }
    }

    /** Prefixes a line of model output with the random-weights label when the weights are random. */
    public String label(String text) {
        return randomWeights ? RANDOM_LABEL + " " + text : text;
    }

    private static void warnLoudly(PrintWriter err, String reason) {
        String bar = "!".repeat(78);
        err.println(bar);
        err.println("!! NO REAL MODEL: the bundled stories260K model is not available:");
        err.println("!!   " + reason);
        err.println("!! Falling back to a SYNTHETIC model with RANDOM WEIGHTS (preset " + FALLBACK_PRESET + ").");
        err.println("!! The pipeline runs for real, but every completion below is NOISE.");
        err.println("!! For real text: --model FOLDER (a local Hugging Face checkpoint) or --model ORG/NAME.");
        err.println(bar);
        err.flush();
    }
}
