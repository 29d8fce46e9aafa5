package io.flinfer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A local batch run's work folder: the sink's part files, Flink's checkpoints, and the arguments the
 * run started with. Started again with the same arguments, a run resumes from the latest completed
 * checkpoint here; with other arguments it is refused, since the checkpoint describes other work.
 */
final class BatchWorkDir {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

    private final Path root;

    private BatchWorkDir(Path root) {
        this.root = root;
    }

    /**
     * @param arguments the options that define the run's work, by name
     * @throws IllegalArgumentException when the folder holds a run started with other arguments
     */
    static BatchWorkDir open(Path root, Map<String, String> arguments) throws IOException {
        Path recorded = root.resolve("arguments.json");
        Map<String, String> sorted = new TreeMap<>(arguments);
        if (Files.exists(recorded)) {
            @SuppressWarnings("unchecked")
            Map<String, String> before = new TreeMap<>(JSON.readValue(recorded.toFile(), Map.class));
            if (!before.equals(sorted)) {
                throw new IllegalArgumentException("the work folder " + root + " holds an unfinished run started with other"
                        + " arguments (" + differences(before, sorted) + "), so it cannot resume this one. Run again with"
                        + " the same arguments to resume it, or remove the folder (or name another --work-dir) to start over.");
            }
            return new BatchWorkDir(root);
        }
        Files.createDirectories(root);
        ObjectNode json = JSON.createObjectNode();
        sorted.forEach(json::put);
        Files.writeString(recorded, json.toPrettyString());
        return new BatchWorkDir(root);
    }

    Path checkpoints() {
        return root.resolve("checkpoints");
    }

    /** The latest checkpoint Flink completed here (its metadata is written last), if any. */
    Optional<Path> latestCheckpoint() throws IOException {
        if (!Files.isDirectory(checkpoints())) {
            return Optional.empty();
        }
        try (Stream<Path> jobs = Files.list(checkpoints())) {
            return jobs.flatMap(BatchWorkDir::checkpointsOf)
                    .filter(chk -> Files.isRegularFile(chk.resolve("_metadata")))
                    .max(Comparator.comparingLong(BatchWorkDir::number));
        }
    }

    /**
     * Removes the folder. Flink may still be discarding a subsumed checkpoint inside it when the job
     * has just finished, so files that vanish meanwhile are fine.
     */
    void delete() throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path folder, IOException e) throws IOException {
                Files.deleteIfExists(folder);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static Stream<Path> checkpointsOf(Path job) {
        try {
            if (!Files.isDirectory(job)) {
                return Stream.empty();
            }
            try (Stream<Path> children = Files.list(job)) {
                return children.filter(p -> CHECKPOINT.matcher(p.getFileName().toString()).matches()).toList().stream();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long number(Path checkpoint) {
        Matcher m = CHECKPOINT.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String differences(Map<String, String> before, Map<String, String> now) {
        StringBuilder text = new StringBuilder();
        for (String name : new TreeSet<>(union(before, now))) {
            String a = before.get(name);
            String b = now.get(name);
            if (!Objects.equals(a, b)) {
                text.append(text.length() == 0 ? "" : "; ").append(name).append(" was ").append(a).append(", now ").append(b);
            }
        }
        return text.toString();
    }

    private static Set<String> union(Map<String, String> a, Map<String, String> b) {
        Set<String> names = new HashSet<>(a.keySet());
        names.addAll(b.keySet());
        return names;
    }
}
