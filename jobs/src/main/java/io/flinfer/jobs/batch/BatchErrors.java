package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinfer.operators.records.ResultLine;

/**
 * Output lines for input lines of a request file that get no result from the engine: a line that is
 * not a request at all (no JSON, no custom_id), a request that cannot be served as written, and a
 * repeated custom_id. They take the OpenAI Batch API output shape; a line without custom_id has its
 * line's number in the message since it cannot be named otherwise.
 */
final class BatchErrors {
    private BatchErrors() {}

    /** The line for an item that is not a request for the engine ({@link BatchItem#isRequest()} false). */
    static OutputRow unanswered(BatchItem item) {
        if (item.answer() != null) {
            return OutputRow.result(item.answer());
        }
        ObjectNode line = JsonNodeFactory.instance.objectNode()
                .putNull("id")
                .putNull("custom_id")
                .putNull("response");
        line.putObject("error").put("code", "invalid_request_error").put("message", item.refusal());
        return OutputRow.error(line);
    }

    static OutputRow duplicate(BatchItem item) {
        return OutputRow.result(ResultLine.badRequest(item.key(), duplicateMessage(item)));
    }

    static String duplicateMessage(BatchItem item) {
        return "custom_id " + item.key() + " is used more than once in the input; only its first "
                + "occurrence is answered (this is " + SourceRow.location(item.file(), item.index()) + ")";
    }
}
