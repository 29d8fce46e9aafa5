package io.flinfer.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The models that ship with Flinfer as data (see models/README.md). They live on the classpath, in a
 * directory or a jar; a model is loaded from a folder, so each is copied once per JVM into a
 * temporary folder named like the model.
 */
public final class BundledModels {
    private static final String ROOT = "/io/flinfer/models/";
    private static final List<String> STORIES_260K_FILES = List.of("config.json", "generation_config.json",
            "model.safetensors", "tokenizer.json", "tokenizer_config.json", "LICENSE");

    private static Path stories260K;

    private BundledModels() {}

    /** llama2.c's 260K-parameter TinyStories model, in Hugging Face layout. */
    public static synchronized Path stories260K() {
        if (stories260K == null) {
            stories260K = copy("stories260K", STORIES_260K_FILES);
        }
        return stories260K;
    }

    /** llama2.c's greedy continuations of a few prompts with {@link #stories260K()}. */
    public static InputStream stories260KGreedyGolden() {
        return resource("golden/stories260K-greedy.json");
    }

    private static Path copy(String model, List<String> files) {
        try {
            Path parent = Files.createTempDirectory("flinfer-models-");
            Path folder = Files.createDirectories(parent.resolve(model));
            // Deleted at exit in the reverse order of registration: files, then their folders.
            parent.toFile().deleteOnExit();
            folder.toFile().deleteOnExit();
            for (String file : files) {
                try (InputStream in = resource(model + "/" + file)) {
                    Files.copy(in, folder.resolve(file));
                }
                folder.resolve(file).toFile().deleteOnExit();
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the bundled model " + model + " to a temporary folder", e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = BundledModels.class.getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IllegalStateException("the bundled " + name + " is missing from the classpath; rebuild flinfer-models");
        }
        return in;
    }
}
