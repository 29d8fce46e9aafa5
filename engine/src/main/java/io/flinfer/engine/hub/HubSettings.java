package io.flinfer.engine.hub;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where and how to reach the Hugging Face Hub, read from the same environment variables that
 * huggingface_hub reads, so a cache filled by Python tools is shared with Flinfer and back.
 *
 * @param endpoint  base URL of the Hub, without trailing slash ({@code HF_ENDPOINT})
 * @param token     bearer token, or null for anonymous access ({@code HF_TOKEN})
 * @param hubCache  the folder holding {@code models--org--name} folders ({@code HF_HUB_CACHE},
 *                  else {@code $HF_HOME/hub})
 * @param offline   read only the cache, never the network ({@code HF_HUB_OFFLINE})
 */
public record HubSettings(String endpoint, String token, Path hubCache, boolean offline) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE_VALUES = Set.of("1", "on", "yes", "true");

    public HubSettings {
        endpoint = stripTrailingSlashes(endpoint);
        token = token == null || token.isBlank() ? null : token.strip();
    }

    /** Settings from this process's environment and home folder. */
    public static HubSettings fromEnvironment() {
        return fromVariables(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** Settings from the given variables; tests pass their own instead of changing the process's. */
    public static HubSettings fromVariables(Map<String, String> env, Path userHome) {
        String endpoint = isSet(env.get("HF_ENDPOINT")) ? env.get("HF_ENDPOINT") : DEFAULT_ENDPOINT;
        return new HubSettings(endpoint, env.get("HF_TOKEN"), hubCache(env, userHome), isTrue(env.get("HF_HUB_OFFLINE")));
    }

    public HubSettings withOffline(boolean offline) {
        return new HubSettings(endpoint, token, hubCache, offline);
    }

    private static Path hubCache(Map<String, String> env, Path userHome) {
        if (isSet(env.get("HF_HUB_CACHE"))) {
            return Path.of(env.get("HF_HUB_CACHE"));
        }
        if (isSet(env.get("HF_HOME"))) {
            return Path.of(env.get("HF_HOME"), "hub");
        }
        // huggingface_hub's default: $XDG_CACHE_HOME/huggingface, and ~/.cache when that is unset.
        Path cacheHome = isSet(env.get("XDG_CACHE_HOME")) ? Path.of(env.get("XDG_CACHE_HOME")) : userHome.resolve(".cache");
        return cacheHome.resolve("huggingface").resolve("hub");
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    private static boolean isTrue(String value) {
        return value != null && TRUE_VALUES.contains(value.strip().toLowerCase(Locale.ROOT));
    }

    private static String stripTrailingSlashes(String url) {
        String result = url.strip();
        while (result.endsWith("/")) {
            result = result.substring(0, result.length() - 1);
        }
        return result;
    }
}
