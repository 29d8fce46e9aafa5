package io.flinfer.cli;

import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A random-weight "tiny" model (a few hundred thousand parameters, with a chat template), written
 * once per test JVM: batch tests need some model, not a good one, and must run on any clone.
 */
final class TinyModel {
    private static Path dir;

    private TinyModel() {}

    static synchronized Path get() {
        if (dir == null) {
            try {
                // Under the build's target folder (the tests' working directory), which a clean removes:
                // a folder in /tmp would outlive every test run.
                Path folder = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "tiny-model");
                SyntheticCheckpoint.write(SynthPreset.named("tiny"), folder, 7, false, (done, total) -> { });
                dir = folder;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }
}
