package io.flinfer.engine.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's shared test data ({@code ../shared}: the stories260K model and llama2.c's golden
 * outputs). A fresh clone elsewhere has no such folder; tests that need it are then skipped.
 */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String configured = System.getProperty("flinfer.shared", "../shared");
        Path root = Path.of(configured).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(root.resolve("models")),
                "skipped: shared test data not found at " + root + " (set -Dflinfer.shared=DIR)");
        return root;
    }

    public static Path stories260K() {
        return root().resolve("models/stories260K");
    }

    public static Path golden() {
        return root().resolve("golden/stories260K-greedy.json");
    }
}
