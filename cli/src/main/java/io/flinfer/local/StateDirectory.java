package io.flinfer.local;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.Checkpoints;

/**
 * A folder that keeps a job's checkpoints and savepoints when the process stops or dies, so that the
 * next start with the same arguments resumes where the last one stopped:
 *
 * <pre>
 * checkpoints/JOB_ID/chk-N/_metadata   the retained checkpoints (Flink writes _metadata last)
 * savepoints/savepoint-.../_metadata   the savepoint of a graceful stop
 * job.properties                       what the state belongs to, e.g. the input topic and the consumer group
 * </pre>
 */
public final class StateDirectory implements AutoCloseable {
    private static final String METADATA = "_metadata";
    private static final String IDENTITY = "job.properties";

    private final Path root;
    private final boolean temporary;

    /** A snapshot to resume from: its folder, Flink's checkpoint id, and whether a graceful stop took it. */
    public record Snapshot(Path directory, long checkpointId, boolean savepoint, Instant taken) {}

    private StateDirectory(Path root, boolean temporary) {
        this.root = root;
        this.temporary = temporary;
    }

    /** The default folder of a job named {@code name}: under the user's cache folder ({@code XDG_CACHE_HOME}, else ~/.cache). */
    public static Path defaultFor(String name) {
        return UserCache.folder("state").resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    /**
     * Opens {@code root} for the job that {@code identity} describes.
     *
     * @param fresh forget the state there and start over
     * @throws IncompatibleStateException when the state there belongs to a job with another identity
     */
    public static StateDirectory open(Path root, Map<String, String> identity, boolean fresh) throws IOException {
        StateDirectory dir = new StateDirectory(root, false);
        if (fresh) {
            deleteRecursively(root);
        }
        Files.createDirectories(root);
        dir.claim(identity);
        return dir;
    }

    /** A folder of its own for a job that starts afresh every time (its broker is as new as it is); deleted on close. */
    public static StateDirectory temporary() throws IOException {
        return new StateDirectory(Files.createTempDirectory("flinfer-state-"), true);
    }

    public Path root() {
        return root;
    }

    /** Whether the folder goes on close (a job that starts afresh every time). */
    public boolean isTemporary() {
        return temporary;
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    public Path savepoints() {
        return root.resolve("savepoints");
    }

    /**
     * The newest complete snapshot, checkpoint or savepoint. A snapshot whose metadata cannot be read
     * (the process died while Flink wrote it) is passed over for the one before.
     */
    public Optional<Snapshot> latest() throws IOException {
        List<Path> metadata;
        try (Stream<Path> files = Files.walk(root, 4)) {
            metadata = files.filter(f -> f.getFileName().toString().equals(METADATA)).toList();
        }
        return metadata.stream().map(StateDirectory::readSnapshot).flatMap(Optional::stream)
                .max(Comparator.comparingLong(Snapshot::checkpointId).thenComparing(Snapshot::taken));
    }

    /**
     * Deletes every snapshot but {@code kept} (none: all of them): a run resumes from the latest and takes
     * it over, so the older ones, and the folders of runs that died before their first checkpoint, are
     * of no more use.
     */
    public void keepOnly(Optional<Snapshot> kept) throws IOException {
        for (Path folder : List.of(checkpoints(), savepoints())) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (Stream<Path> children = Files.list(folder)) {
                for (Path child : children.toList()) {
                    if (kept.isEmpty() || !kept.get().directory().startsWith(child)) {
                        deleteRecursively(child);
                    }
                }
            }
        }
    }

    private static Optional<Snapshot> readSnapshot(Path metadataFile) {
        Path dir = metadataFile.getParent();
        try (InputStream in = Files.newInputStream(metadataFile)) {
            long id = Checkpoints.loadCheckpointMetadata(new DataInputStream(in), StateDirectory.class.getClassLoader(),
                    dir.toUri().toString()).getCheckpointId();
            return Optional.of(new Snapshot(dir, id, dir.getFileName().toString().startsWith("savepoint-"),
                    Files.getLastModifiedTime(metadataFile).toInstant()));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    private void claim(Map<String, String> identity) throws IOException {
        Path file = root.resolve(IDENTITY);
        Map<String, String> wanted = new TreeMap<>(identity);
        if (Files.exists(file)) {
            Properties stored = new Properties();
            try (Reader in = Files.newBufferedReader(file)) {
                stored.load(in);
            }
            Map<String, String> had = new TreeMap<>();
            stored.stringPropertyNames().forEach(k -> had.put(k, stored.getProperty(k)));
            if (!had.equals(wanted) && latest().isPresent()) {
                throw new IncompatibleStateException(root, had, wanted);
            }
        }
        Properties props = new Properties();
        props.putAll(wanted);
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, "What the state in this folder belongs to; a job that differs here cannot resume it.");
        }
    }

    /** Deletes the folder and all in it: its job has finished and nothing is left to resume. */
    public void delete() {
        deleteRecursively(root);
    }

    /** Deletes a temporary folder; a durable one stays for the next start. */
    @Override
    public void close() {
        if (temporary) {
            deleteRecursively(root);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }

    /** The state in a folder belongs to a job that differs in what makes state resumable. */
    public static final class IncompatibleStateException extends IllegalArgumentException {
        private final String differences;

        IncompatibleStateException(Path root, Map<String, String> had, Map<String, String> wanted) {
            super("the state in " + root + " belongs to a job with " + differences(had, wanted)
                    + "; resuming it would read the wrong positions or leave its Kafka transactions open."
                    + " Start over with --fresh, or choose another --state-dir.");
            this.differences = differences(had, wanted);
        }

        /** What differs, e.g. {@code --max-tokens 16 (this run: 32)}, for commands that word the refusal their way. */
        public String differences() {
            return differences;
        }

        private static String differences(Map<String, String> had, Map<String, String> wanted) {
            return wanted.keySet().stream().filter(k -> !wanted.get(k).equals(had.get(k)))
                    .map(k -> k + " " + had.getOrDefault(k, "(none)") + " (this run: " + wanted.get(k) + ")")
                    .collect(Collectors.joining(", "));
        }
    }
}
