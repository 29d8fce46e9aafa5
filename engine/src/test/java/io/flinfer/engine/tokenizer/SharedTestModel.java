package io.flinfer.engine.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared test model and golden data through the flinfer.shared system property. */
final class SharedTestModel {
    private SharedTestModel() {}

    static Path sharedDir() {
        String shared = System.getProperty("flinfer.shared");
        assumeTrue(shared != null && Files.isDirectory(Path.of(shared)),
                "Skipped: the shared folder (system property flinfer.shared=" + shared + ") is absent");
        return Path.of(shared);
    }

    static Path stories260K() {
        Path dir = sharedDir().resolve("models/stories260K");
        assumeTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), "Skipped: " + dir + " has no tokenizer.json");
        return dir;
    }

    static Path goldenGreedy() {
        Path file = sharedDir().resolve("golden/stories260K-greedy.json");
        assumeTrue(Files.isRegularFile(file), "Skipped: " + file + " is absent");
        return file;
    }
}
