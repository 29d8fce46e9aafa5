package io.flinfer.jobs.batch;

import io.flinfer.engine.hub.DatasetSource;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face Hub dataset as batch input, {@code hf://datasets/ORG/NAME}: its split's Parquet
 * files, fetched into the Hugging Face cache by the engine's Hub client (same token, offline and
 * cache rules as models). On a cluster this runs where the job is planned, so the cache must be a
 * folder the TaskManagers see too (a shared volume), or the files copied to object storage first.
 */
final class HubDatasetInput {
    static final String PREFIX = "hf://datasets/";

    private HubDatasetInput() {}

    static boolean isHubDataset(String input) {
        return input.startsWith(PREFIX);
    }

    static BatchInput resolve(String input, String revision, String split) {
        List<Path> files = DatasetSource.resolve(input.substring(PREFIX.length()), revision, split);
        return new BatchInput(files.stream().map(f -> f.toUri().toString()).toList(), DatasetFormat.PARQUET);
    }
}
