package io.flinfer.local;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test model, found through the flinfer.shared system property; skips the test when absent. */
final class SharedModel {
    private SharedModel() {}

    static Path stories260K() {
        String shared = System.getProperty("flinfer.shared");
        assumeTrue(shared != null && Files.isDirectory(Path.of(shared)),
                "Skipped: the shared folder (system property flinfer.shared=" + shared + ") is absent");
        Path model = Path.of(shared, "models", "stories260K");
        assumeTrue(Files.isRegularFile(model.resolve("tokenizer.json")), "Skipped: " + model + " has no tokenizer.json");
        return model;
    }
}
