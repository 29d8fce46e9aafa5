package io.flinfer.engine.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Turns what a user names as the model into a folder the engine can read: a local folder as it is,
 * or a Hugging Face Hub id ({@code org/name}) downloaded once into the standard Hugging Face cache.
 */
public final class ModelSource {
    public static final String DEFAULT_REVISION = "main";
    private static final Pattern HUB_ID = Pattern.compile("[A-Za-z0-9][\\w.-]*/[A-Za-z0-9][\\w.-]*");

    private ModelSource() {
    }

    /** Resolves with the settings of this process's environment, printing download progress to stderr. */
    public static Path resolve(String modelOrPath, String revision) {
        return resolve(modelOrPath, revision, HubSettings.fromEnvironment(), System.err::println);
    }

    /**
     * @param modelOrPath a model folder, or a Hub id such as {@code meta-llama/Llama-3.2-1B}
     * @param revision    branch, tag or commit of a Hub model; null means {@value #DEFAULT_REVISION}.
     *                    Ignored for a local folder.
     * @param progress    receives one line per downloaded file and progress of big ones
     * @return the folder holding config.json, tokenizer and safetensors files
     * @throws ModelSourceException with a message that says what to do
     */
    public static Path resolve(String modelOrPath, String revision, HubSettings settings, Consumer<String> progress) {
        if (modelOrPath == null || modelOrPath.isBlank()) {
            throw new ModelSourceException("no model given: name a model folder or a Hugging Face Hub id such as org/name");
        }
        Path local = expandHome(modelOrPath.strip());
        if (Files.isDirectory(local)) {
            return local;
        }
        if (Files.exists(local)) {
            throw new ModelSourceException("model " + modelOrPath + " is a file; name the folder that holds config.json");
        }
        if (looksLikePath(modelOrPath.strip())) {
            throw new ModelSourceException("model folder not found: " + modelOrPath);
        }
        if (!HUB_ID.matcher(modelOrPath.strip()).matches()) {
            throw new ModelSourceException("model folder not found: " + modelOrPath
                    + " (nor is it a Hugging Face Hub id of the form org/name)");
        }
        String rev = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision.strip();
        return new HubSnapshotDownloader(settings, progress, DownloadProgress.BIG_FILE_BYTES)
                .snapshot(HubRepo.model(modelOrPath.strip()), rev, EngineFiles.SELECTION);
    }

    /** Hub ids have exactly one slash and never start with '.', '/' or '~'; anything else is meant as a path. */
    private static boolean looksLikePath(String value) {
        return value.startsWith(".") || value.startsWith("/") || value.startsWith("~")
                || value.chars().filter(c -> c == '/').count() > 1;
    }

    private static Path expandHome(String value) {
        if (value.equals("~") || value.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + value.substring(1));
        }
        return Path.of(value);
    }
}
