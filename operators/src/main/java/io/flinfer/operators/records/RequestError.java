package io.flinfer.operators.records;

/**
 * The kinds of error result, with the status and codes OpenAI's and vLLM's servers answer them with.
 *
 * @see ResultWriter#error(String, RequestError, String)
 */
public enum RequestError {
    /** The request cannot be served as written (status 400). */
    BAD_REQUEST(400, "invalid_request_error", "invalid_request_error"),
    /** The request names a model this pipeline does not serve (status 404), as vLLM answers it. */
    MODEL_NOT_FOUND(404, "NotFoundError", "model_not_found");

    private final int status;
    private final String type;
    private final String code;

    RequestError(int status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
    }

    /** The HTTP status a server would answer with: {@code response.status_code}. */
    public int status() {
        return status;
    }

    /** {@code response.body.error.type}. */
    String type() {
        return type;
    }

    /** The top-level {@code error.code} of the batch output line. */
    public String code() {
        return code;
    }
}
