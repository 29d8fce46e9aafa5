package io.flinfer.demo;

import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.local.UserCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Random-weight checkpoints written once into a cache folder and reused afterwards. A checkpoint is
 * written into a temporary sibling and renamed into place, so a folder under its final name is
 * always complete, even when a run is interrupted or two runs race.
 */
public final class SyntheticModelCache {
    private final Path root;

    public SyntheticModelCache(Path root) {
        this.root = root;
    }

    /** {@code $XDG_CACHE_HOME/flinfer/synthetic}, by default {@code ~/.cache/flinfer/synthetic}. */
    public static SyntheticModelCache userDefault() {
        return new SyntheticModelCache(UserCache.folder("synthetic"));
    }

    /** The folder of the preset's checkpoint with this seed, written first if it is not there yet. */
    public Path get(SynthPreset preset, long seed) {
        Path dir = root.resolve(preset.name() + "-seed" + seed);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path partial = null;
        try {
            Files.createDirectories(root);
            partial = Files.createTempDirectory(root, "." + preset.name() + "-partial-");
            SyntheticCheckpoint.write(preset, partial, seed, false, (done, total) -> { });
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
            return dir; // another run finished the same checkpoint first; ours is deleted below
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the synthetic model to " + dir + ": " + e.getMessage(), e);
        } finally {
            if (partial != null) {
                deleteRecursively(partial);
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
