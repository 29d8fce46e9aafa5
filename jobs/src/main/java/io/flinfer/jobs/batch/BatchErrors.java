package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.records.ResultWriter;

/**
 * Error lines for input lines that get no result: a line that is not a request at all (no JSON, no
 * custom_id) and a repeated custom_id. They take the OpenAI Batch API output shape, with the line's
 * number in the message since a line without custom_id cannot be named otherwise.
 */
final class BatchErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BatchErrors() {}

    /** The line for a dead letter of the parse step, which names the file and line of the bad bytes. */
    static OutputRow notARequest(String deadLetterJson) {
        JsonNode letter;
        try {
            letter = JSON.readTree(deadLetterJson);
        } catch (Exception e) {
            throw new IllegalStateException("the parse step wrote a dead letter that is not JSON", e);
        }
        String where = "line " + (letter.path("offset").asLong() + 1) + " of " + letter.path("source_topic").asText();
        ObjectNode line = JSON.createObjectNode()
                .putNull("id")
                .putNull("custom_id")
                .putNull("response");
        line.putObject("error").put("code", "invalid_request_error")
                .put("message", where + " is not a request: " + letter.path("reason").asText());
        return OutputRow.error(line.toString());
    }

    static OutputRow duplicate(BatchItem item) {
        return OutputRow.error(ResultWriter.badRequest(item.key(), duplicateMessage(item)));
    }

    static String duplicateMessage(BatchItem item) {
        return "custom_id " + item.key() + " is used more than once in the input; only its first "
                + "occurrence is answered (this is " + new SourceRow(item.file(), item.index(), "").location() + ")";
    }
}
