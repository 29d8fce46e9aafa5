package io.flinfer.cli;

import io.flinfer.engine.hub.HubSettings;
import io.flinfer.engine.hub.ModelSource;
import io.flinfer.engine.hub.ModelSourceException;
import io.flinfer.engine.synth.SynthPreset;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The model the demo runs: the one the user named; else a small instruct model from the Hugging
 * Face Hub; else, when the Hub is out of reach, a random-weight model, so that the pipeline still
 * runs end to end (its text is noise, and everything printed says so).
 *
 * @param name what to call the model in the output
 */
record DemoModel(Path folder, String name, boolean randomWeights) {
    static final String DEFAULT_HUB_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct";
    static final String FALLBACK_PRESET = "tiny";
    static final String RANDOM_LABEL = "[random weights]";

    /**
     * @param asked the user's {@code --model}, or null for the default; a model the user named
     *     never falls back: failing to get it is an error
     */
    static DemoModel resolve(String asked, String revision, HubSettings hub, SyntheticModelCache synthetic, PrintWriter err) {
        if (asked != null) {
            return new DemoModel(ModelSource.resolve(asked, revision, hub, err::println), asked, false);
        }
        try {
            return new DemoModel(ModelSource.resolve(DEFAULT_HUB_MODEL, revision, hub, err::println), DEFAULT_HUB_MODEL, false);
        } catch (ModelSourceException e) {
            warnLoudly(err, e.getMessage());
            SynthPreset preset = SynthPreset.named(FALLBACK_PRESET);
            return new DemoModel(synthetic.get(preset, 0), "synthetic " + preset.name() + " " + RANDOM_LABEL, true);
        }
    }

    /** Prefixes a line of model output with the random-weights label when the weights are random. */
    String label(String text) {
        return randomWeights ? RANDOM_LABEL + " " + text : text;
    }

    private static void warnLoudly(PrintWriter err, String reason) {
        String bar = "!".repeat(78);
        err.println(bar);
        err.println("!! NO REAL MODEL: could not get " + DEFAULT_HUB_MODEL + " from the Hugging Face Hub:");
        err.println("!!   " + reason);
        err.println("!! Falling back to a SYNTHETIC model with RANDOM WEIGHTS (preset " + FALLBACK_PRESET + ").");
        err.println("!! The pipeline runs for real, but every completion below is NOISE.");
        err.println("!! For real text: --model FOLDER (a local Hugging Face checkpoint) or --model ORG/NAME.");
        err.println(bar);
        err.flush();
    }
}
