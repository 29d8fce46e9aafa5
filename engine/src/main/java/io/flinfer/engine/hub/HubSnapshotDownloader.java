package io.flinfer.engine.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Brings the wanted files of one Hub repository revision (a model's engine files, a dataset split's
 * Parquet files) into the cache and returns the snapshot folder. Online it asks the Hub which commit the revision is and fetches only files missing from
 * that commit's snapshot; offline (or when the Hub cannot be reached) it uses what {@code refs/} says.
 */
final class HubSnapshotDownloader {
    private final HubSettings settings;
    private final Consumer<String> progress;
    private final HubClient client;
    private final BlobDownloader blobs;

    HubSnapshotDownloader(HubSettings settings, Consumer<String> progress, long bigFileBytes) {
        this.settings = settings;
        this.progress = progress;
        this.client = new HubClient(settings);
        this.blobs = new BlobDownloader(client, progress, bigFileBytes);
    }

    /** Which files of a revision to fetch. */
    interface FileSelection {
        /** The files to fetch from the revision's list; throws with a message when what is needed is not there. */
        List<String> select(HubRepo repo, List<String> files, String commit);

        /** A file every complete snapshot holds, or null when the folder itself is enough. */
        String marker();
    }

    Path snapshot(HubRepo repo, String revision, FileSelection selection) {
        HubCache cache = new HubCache(settings.hubCache(), repo);
        if (settings.offline()) {
            return cache.cachedSnapshot(revision, selection.marker()).orElseThrow(() -> new ModelSourceException(repo
                    + " (revision " + revision + ") is not in the Hugging Face cache at " + cache.repoFolder()
                    + ", and HF_HUB_OFFLINE is set, so it cannot be downloaded. Run once with network access and"
                    + " HF_HUB_OFFLINE unset to fill the cache, or pass " + repo.localAlternative() + "."));
        }
        RevisionInfo info;
        try {
            info = client.revisionInfo(repo, revision);
        } catch (HubUnreachableException e) {
            Path cached = cache.cachedSnapshot(revision, selection.marker()).orElseThrow(() -> e);
            progress.accept("the Hugging Face Hub cannot be reached; using the cached snapshot " + cached);
            return cached;
        }
        try {
            download(repo, selection.select(repo, info.files(), info.commit()), info.commit(), cache);
            if (!revision.equals(info.commit())) {
                // Written last: a ref promises a complete snapshot to offline runs.
                cache.writeRef(revision, info.commit());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + repo + " into the Hugging Face cache at "
                    + cache.repoFolder() + ": " + e.getMessage(), e);
        }
        return cache.snapshotFolder(info.commit());
    }

    private void download(HubRepo repo, List<String> files, String commit, HubCache cache) throws IOException {
        for (String file : files) {
            if (cache.hasSnapshotFile(commit, file)) {
                continue;
            }
            FileMetadata metadata = client.fileMetadata(repo, commit, file);
            // Linking under the lock too, so two resolvers of one snapshot never race on the same link.
            try (BlobLock lock = BlobLock.acquire(cache.lockFile(metadata.etag()))) {
                // Another thread or process may have finished the blob while we waited for the lock.
                if (!cache.hasBlob(metadata.etag())) {
                    blobs.download(repo, commit, file, metadata, cache);
                }
                cache.linkIntoSnapshot(commit, file, metadata.etag());
            }
        }
    }
}
