package io.flinfer.engine.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Brings the engine's files of one Hub model revision into the cache and returns the snapshot
 * folder. Online it asks the Hub which commit the revision is and fetches only files missing from
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

    Path snapshot(String repoId, String revision) {
        HubCache cache = new HubCache(settings.hubCache(), repoId);
        if (settings.offline()) {
            return cache.cachedSnapshot(revision).orElseThrow(() -> new ModelSourceException("model " + repoId
                    + " (revision " + revision + ") is not in the Hugging Face cache at " + cache.repoFolder()
                    + ", and HF_HUB_OFFLINE is set, so it cannot be downloaded. Run once with network access and"
                    + " HF_HUB_OFFLINE unset to fill the cache, or pass a local model folder."));
        }
        RevisionInfo info;
        try {
            info = client.revisionInfo(repoId, revision);
        } catch (HubUnreachableException e) {
            Path cached = cache.cachedSnapshot(revision).orElseThrow(() -> e);
            progress.accept("the Hugging Face Hub cannot be reached; using the cached snapshot " + cached);
            return cached;
        }
        try {
            download(repoId, info, cache);
            if (!revision.equals(info.commit())) {
                // Written last: a ref promises a complete snapshot to offline runs.
                cache.writeRef(revision, info.commit());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model " + repoId + " into the Hugging Face cache at "
                    + cache.repoFolder() + ": " + e.getMessage(), e);
        }
        return cache.snapshotFolder(info.commit());
    }

    private void download(String repoId, RevisionInfo info, HubCache cache) throws IOException {
        List<String> files = info.files().stream().filter(EngineFiles::isNeeded).toList();
        if (!files.contains(EngineFiles.CONFIG)) {
            throw new ModelSourceException("model " + repoId + " (commit " + info.commit() + ") has no "
                    + EngineFiles.CONFIG + " at its top level, so it is not a model the engine can load.");
        }
        for (String file : files) {
            if (cache.hasSnapshotFile(info.commit(), file)) {
                continue;
            }
            FileMetadata metadata = client.fileMetadata(repoId, info.commit(), file);
            // Linking under the lock too, so two resolvers of one snapshot never race on the same link.
            try (BlobLock lock = BlobLock.acquire(cache.lockFile(metadata.etag()))) {
                // Another thread or process may have finished the blob while we waited for the lock.
                if (!cache.hasBlob(metadata.etag())) {
                    blobs.download(repoId, info.commit(), file, metadata, cache);
                }
                cache.linkIntoSnapshot(info.commit(), file, metadata.etag());
            }
        }
    }
}
