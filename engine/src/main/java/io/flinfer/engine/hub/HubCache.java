package io.flinfer.engine.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One repository's folder in the Hugging Face cache, laid out exactly as huggingface_hub lays it out:
 * <pre>
 * models--{org}--{name}/ (or datasets--{org}--{name}/)
 *   blobs/{etag}                  file contents, named by ETag (git sha1, or sha256 for LFS files)
 *   snapshots/{commit}/{file}     relative symlink to ../../blobs/{etag} (a copy where links fail)
 *   refs/{revision}               the commit sha the revision (branch, tag) pointed to
 * </pre>
 * and download locks in {@code .locks/models--{org}--{name}/{etag}.lock} beside the repository folders.
 */
final class HubCache {
    private static final Pattern COMMIT_HASH = Pattern.compile("[0-9a-f]{40}");

    private final Path repoFolder;
    private final Path lockFolder;

    HubCache(Path hubCache, HubRepo repo) {
        String folderName = repo.cacheFolderName();
        this.repoFolder = hubCache.resolve(folderName);
        this.lockFolder = hubCache.resolve(".locks").resolve(folderName);
    }

    static boolean isCommitHash(String revision) {
        return COMMIT_HASH.matcher(revision).matches();
    }

    Path repoFolder() {
        return repoFolder;
    }

    Path blob(String etag) {
        return repoFolder.resolve("blobs").resolve(etag);
    }

    Path incompleteBlob(String etag) {
        return repoFolder.resolve("blobs").resolve(etag + ".incomplete");
    }

    Path lockFile(String etag) {
        return lockFolder.resolve(etag + ".lock");
    }

    Path snapshotFolder(String commit) {
        return repoFolder.resolve("snapshots").resolve(commit);
    }

    Path snapshotFile(String commit, String file) {
        return snapshotFolder(commit).resolve(file);
    }

    /**
     * The snapshot a revision names, if it is cached: a commit hash names its own folder, a branch or
     * tag goes through {@code refs/}. A ref is only written once every file is in place, so a snapshot
     * found through a ref is complete.
     *
     * @param marker a file every complete snapshot has (a model's config.json), or null to trust the folder
     */
    Optional<Path> cachedSnapshot(String revision, String marker) {
        Optional<String> commit = isCommitHash(revision) ? Optional.of(revision) : readRef(revision);
        return commit.map(this::snapshotFolder)
                .filter(folder -> marker == null ? Files.isDirectory(folder) : Files.isRegularFile(folder.resolve(marker)));
    }

    Optional<String> readRef(String revision) {
        Path ref = refFile(revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(ref, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ref, e);
        }
    }

    void writeRef(String revision, String commit) throws IOException {
        Path ref = refFile(revision);
        Files.createDirectories(ref.getParent());
        Files.writeString(ref, commit, StandardCharsets.UTF_8);
    }

    /** Puts a blob into a snapshot: a relative symlink as huggingface_hub makes, or a copy where links fail. */
    void linkIntoSnapshot(String commit, String file, String etag) throws IOException {
        Path link = snapshotFile(commit, file);
        Path blob = blob(etag);
        Files.createDirectories(link.getParent());
        // A leftover link whose blob was deleted would block the new one.
        Files.deleteIfExists(link);
        try {
            Files.createSymbolicLink(link, link.getParent().relativize(blob));
        } catch (IOException | UnsupportedOperationException e) {
            // Some file systems (Windows without developer mode, some network mounts) refuse symlinks.
            Files.copy(blob, link, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    boolean hasSnapshotFile(String commit, String file) {
        // Follows the link: a dangling link (blob deleted) counts as missing and is downloaded again.
        return Files.isRegularFile(snapshotFile(commit, file));
    }

    boolean hasBlob(String etag) {
        return Files.isRegularFile(blob(etag), LinkOption.NOFOLLOW_LINKS);
    }

    private Path refFile(String revision) {
        // Revisions such as "refs/pr/1" become nested folders, as in huggingface_hub.
        Path refs = repoFolder.resolve("refs");
        Path ref = refs.resolve(revision).normalize();
        if (!ref.startsWith(refs) || ref.equals(refs)) {
            throw new ModelSourceException("invalid revision '" + revision + "': use a branch, tag or commit name");
        }
        return ref;
    }
}
