package io.flinfer.cli.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the manifests that {@code deploy validate} and {@code deploy apply} are given. */
final class Manifests {
    private Manifests() {}

    /** @param file a path, or - for standard input */
    static String read(String file) throws IOException {
        return file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
    }

    /** All the files as one YAML stream. */
    static String readAll(List<String> files) throws IOException {
        StringBuilder stream = new StringBuilder();
        for (String file : files) {
            stream.append(read(file)).append("\n---\n");
        }
        return stream.toString();
    }
}
