package io.flinfer.operators.records;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The JSON written to the dead-letter topic for bytes that are not a request: where they came
 * from, why they were refused, and the bytes themselves (base64, so any bytes survive) to inspect
 * or replay. For a file source, {@code source_topic} holds the file and {@code offset} the line.
 */
public final class DeadLetter {
    /** More of a bad record than this rarely helps; the whole of a 10 MB record would bloat the topic. */
    public static final int MAX_RAW_BYTES = 64 * 1024;
    /** Enough to recognise the record in a console. */
    public static final int PREVIEW_BYTES = 1024;

    private DeadLetter() {}

    public static String toJson(String sourceTopic, int partition, long offset, String reason, byte[] raw) {
        byte[] kept = raw.length > MAX_RAW_BYTES ? Arrays.copyOf(raw, MAX_RAW_BYTES) : raw;
        // Decoding replaces malformed bytes (and a character cut at the end) with U+FFFD.
        String preview = new String(raw, 0, Math.min(raw.length, PREVIEW_BYTES), StandardCharsets.UTF_8);
        return Json.MAPPER.createObjectNode()
                .put("source_topic", sourceTopic)
                .put("partition", partition)
                .put("offset", offset)
                .put("reason", reason)
                .put("raw_size", raw.length)
                .put("raw_truncated", kept.length < raw.length)
                .put("raw_base64", Base64.getEncoder().encodeToString(kept))
                .put("raw_utf8_preview", preview)
                .toString();
    }
}
