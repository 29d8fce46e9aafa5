package io.flinfer.jobs.batch;

import java.util.Locale;
import java.util.Optional;

/** The file formats batch inputs and outputs come in. */
public enum DatasetFormat {
    JSONL(".jsonl"),
    PARQUET(".parquet");

    private final String extension;

    DatasetFormat(String extension) {
        this.extension = extension;
    }

    public String extension() {
        return extension;
    }

    /** The format a file name says: {@code .jsonl}, {@code .ndjson} or {@code .json} lines, or {@code .parquet}. */
    public static Optional<DatasetFormat> ofFileName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".parquet")) {
            return Optional.of(PARQUET);
        }
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
            return Optional.of(JSONL);
        }
        return Optional.empty();
    }

    /** For option values: {@code jsonl} or {@code parquet}. */
    public static DatasetFormat parse(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown format '" + value + "': use jsonl or parquet", e);
        }
    }
}
