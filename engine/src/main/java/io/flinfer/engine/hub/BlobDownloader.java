package io.flinfer.engine.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one file into {@code blobs/{etag}}, through {@code blobs/{etag}.incomplete} so that a
 * download cut short (crash, lost connection) continues where it stopped, with a Range request,
 * instead of starting over. Only a complete file of the expected size becomes the blob.
 */
final class BlobDownloader {
    private static final int MAX_ATTEMPTS = 5;
    private static final Pattern CONTENT_RANGE_START = Pattern.compile("bytes (\\d+)-");

    private final HubClient client;
    private final Consumer<String> progress;
    private final long bigFileBytes;

    BlobDownloader(HubClient client, Consumer<String> progress, long bigFileBytes) {
        this.client = client;
        this.progress = progress;
        this.bigFileBytes = bigFileBytes;
    }

    void download(HubRepo repo, String commit, String file, FileMetadata metadata, HubCache cache) throws IOException {
        Path incomplete = cache.incompleteBlob(metadata.etag());
        Files.createDirectories(incomplete.getParent());
        for (int attempt = 1; ; attempt++) {
            try {
                fetchRemainder(repo, commit, file, metadata, incomplete);
                break;
            } catch (HubUnreachableException e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                progress.accept("download of " + file + " interrupted (" + e.getCause() + "); resuming, attempt "
                        + (attempt + 1) + " of " + MAX_ATTEMPTS);
                pauseBeforeRetry(attempt);
            }
        }
        long size = Files.size(incomplete);
        if (metadata.size() >= 0 && size != metadata.size()) {
            throw new ModelSourceException("download of " + file + " of " + repo.id() + " ended at " + size
                    + " bytes, expected " + metadata.size() + "; run again to resume it.");
        }
        Files.move(incomplete, cache.blob(metadata.etag()), StandardCopyOption.ATOMIC_MOVE);
    }

    private void fetchRemainder(HubRepo repo, String commit, String file, FileMetadata metadata, Path incomplete)
            throws IOException {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (metadata.size() >= 0 && have == metadata.size()) {
            return;
        }
        if (metadata.size() >= 0 && have > metadata.size()) {
            have = 0; // Not a prefix of this file; start over.
        }
        HttpResponse<InputStream> response = client.download(repo, commit, file, have);
        if (response.statusCode() == 416) {
            // The server says our partial file is already past the end: it is not a prefix, start over.
            response.body().close();
            have = 0;
            response = client.download(repo, commit, file, 0);
        }
        boolean append = response.statusCode() == 206;
        if (append && rangeStart(response) != have) {
            response.body().close();
            throw new ModelSourceException("the Hub answered a request for " + file + " from byte " + have
                    + " with a different range (" + response.headers().firstValue("Content-Range").orElse("none") + ")");
        }
        long start = append ? have : 0;
        DownloadProgress fileProgress = new DownloadProgress(progress, file, metadata.size(), bigFileBytes);
        fileProgress.started(start);
        try (InputStream body = response.body();
                OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            copy(body, out, start, fileProgress, repo, file);
        }
    }

    private static void copy(InputStream body, OutputStream out, long start, DownloadProgress fileProgress,
            HubRepo repo, String file) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long written = start;
        while (true) {
            int n;
            try {
                n = body.read(buffer);
            } catch (IOException e) {
                // Reading failed: the connection, not the disk. Worth resuming; a write failure is not.
                throw new HubUnreachableException("connection lost while downloading " + file + " of " + repo.id()
                        + " after " + written + " bytes: " + e, e);
            }
            if (n < 0) {
                return;
            }
            out.write(buffer, 0, n);
            written += n;
            fileProgress.advanced(written);
        }
    }

    /** A growing pause, so a flapping network gets a moment to come back. */
    private static void pauseBeforeRetry(int attempt) {
        try {
            Thread.sleep(1000L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelSourceException("interrupted while waiting to resume a download", e);
        }
    }

    private static long rangeStart(HttpResponse<?> response) {
        Matcher matcher = CONTENT_RANGE_START.matcher(response.headers().firstValue("Content-Range").orElse(""));
        return matcher.lookingAt() ? Long.parseLong(matcher.group(1)) : -1;
    }
}
