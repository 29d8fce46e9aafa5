package io.flinfer.engine.hub;

/**
 * What a HEAD on a file's resolve URL says about it.
 *
 * @param etag the blob name: the git sha1 of a small file, the sha256 of an LFS file
 * @param size bytes in the file, or -1 when the Hub did not say
 */
record FileMetadata(String etag, long size) {
    /** ETags arrive quoted and sometimes weak ({@code W/"abc"}); the cache uses the bare value. */
    static String normalizeEtag(String etag) {
        String value = etag.strip();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return value;
    }
}
