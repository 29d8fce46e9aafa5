package io.flinfer.engine.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Parquet files of one split of a Hugging Face Hub dataset, downloaded once into the Hugging
 * Face cache ({@code datasets--org--name}) with the same client, token, offline and cache rules as
 * models. A split's files are the {@code .parquet} files whose path has the split's name as a folder
 * or as the start of the file name ({@code data/train-00000-of-00002.parquet}, {@code train/0000.parquet},
 * {@code default/train/0000.parquet}), as the Hub's own Parquet layouts name them.
 */
public final class DatasetSource {
    private static final Pattern HUB_ID = Pattern.compile("[A-Za-z0-9][\\w.-]*/[A-Za-z0-9][\\w.-]*");

    private DatasetSource() {}

    /** Resolves with the settings of this process's environment, printing download progress to stderr. */
    public static List<Path> resolve(String datasetId, String revision, String split) {
        return resolve(datasetId, revision, split, HubSettings.fromEnvironment(), System.err::println);
    }

    /**
     * @param datasetId {@code org/name}
     * @param revision branch, tag or commit; null means {@value ModelSource#DEFAULT_REVISION}
     * @return the split's Parquet files in the cache's snapshot folder, in name order
     * @throws ModelSourceException with a message that says what to do
     */
    public static List<Path> resolve(String datasetId, String revision, String split, HubSettings settings,
            Consumer<String> progress) {
        if (datasetId == null || !HUB_ID.matcher(datasetId).matches()) {
            throw new ModelSourceException("'" + datasetId + "' is not a Hugging Face Hub dataset id of the form org/name");
        }
        String rev = revision == null || revision.isBlank() ? ModelSource.DEFAULT_REVISION : revision.strip();
        SplitFiles selection = new SplitFiles(split);
        Path snapshot = new HubSnapshotDownloader(settings, progress, DownloadProgress.BIG_FILE_BYTES)
                .snapshot(HubRepo.dataset(datasetId), rev, selection);
        try (Stream<Path> files = Files.walk(snapshot)) {
            List<Path> parquet = files.filter(Files::isRegularFile)
                    .filter(f -> selection.matches(snapshot.relativize(f).toString()))
                    .sorted()
                    .toList();
            if (parquet.isEmpty()) {
                throw new ModelSourceException("the cached dataset " + datasetId + " at " + snapshot
                        + " has no Parquet files of split " + split);
            }
            return parquet;
        } catch (IOException e) {
            throw new ModelSourceException("cannot list the cached dataset " + datasetId + " at " + snapshot + ": " + e.getMessage(), e);
        }
    }

    /** The Parquet files of one split. */
    private record SplitFiles(String split) implements HubSnapshotDownloader.FileSelection {
        boolean matches(String path) {
            return path.endsWith(".parquet")
                    && Pattern.compile("(^|/)" + Pattern.quote(split) + "([-_./]|$)").matcher(path).find();
        }

        @Override
        public List<String> select(HubRepo repo, List<String> files, String commit) {
            List<String> selected = files.stream().filter(this::matches).toList();
            if (selected.isEmpty()) {
                List<String> parquet = files.stream().filter(f -> f.endsWith(".parquet")).toList();
                throw new ModelSourceException(repo + " (commit " + commit + ") has no Parquet files of split " + split
                        + (parquet.isEmpty()
                                ? "; it has no Parquet files at all: try --dataset-revision refs/convert/parquet, the Hub's Parquet conversion"
                                : "; its Parquet files are " + parquet));
            }
            return selected;
        }

        @Override
        public String marker() {
            return null;
        }
    }
}
