package io.flinfer.local;

import java.nio.file.Path;

/** Where Flinfer keeps what outlives a process on this machine: the user's cache folder. */
public final class UserCache {
    private UserCache() {}

    /** {@code $XDG_CACHE_HOME/flinfer/<name>}, by default {@code ~/.cache/flinfer/<name>}. */
    public static Path folder(String name) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("flinfer").resolve(name);
    }
}
