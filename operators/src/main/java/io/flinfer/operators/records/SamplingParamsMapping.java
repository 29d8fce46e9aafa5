package io.flinfer.operators.records;

import io.flinfer.engine.sampling.SamplingParams;
import java.util.Optional;

/**
 * Maps the sampling fields of an OpenAI request body (plus vLLM's extra fields) to
 * {@link SamplingParams}. The table in docs/records.md lists every field; range checks stay in
 * {@link SamplingParams.Builder#build()}, whose messages name the field as the client wrote it.
 */
final class SamplingParamsMapping {
    private SamplingParamsMapping() {}

    static SamplingParams map(BodyFields body, Endpoint endpoint) {
        rejectUnsupported(body, endpoint);
        SamplingParams.Builder params = SamplingParams.builder()
                .maxTokens(maxTokens(body, endpoint))
                .stop(body.stringOrStrings("stop"))
                .stopTokenIds(body.integers("stop_token_ids"));
        body.number("temperature").ifPresent(params::temperature);
        body.number("top_p").ifPresent(params::topP);
        body.integer("top_k").ifPresent(params::topK);
        body.number("min_p").ifPresent(params::minP);
        body.longInteger("seed").ifPresent(params::seed);
        body.integer("min_tokens").ifPresent(params::minTokens);
        body.bool("ignore_eos").ifPresent(params::ignoreEos);
        body.number("presence_penalty").ifPresent(params::presencePenalty);
        body.number("frequency_penalty").ifPresent(params::frequencyPenalty);
        body.number("repetition_penalty").ifPresent(params::repetitionPenalty);
        logprobs(body, endpoint).ifPresent(params::logprobs);
        params.structuredOutput(StructuredOutputFields.read(body));
        try {
            return params.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    /** Chat prefers {@code max_completion_tokens}; {@code max_tokens} is its deprecated name. */
    private static int maxTokens(BodyFields body, Endpoint endpoint) {
        Optional<Integer> asked = endpoint == Endpoint.CHAT
                ? body.integer("max_completion_tokens").or(() -> body.integer("max_tokens"))
                : body.integer("max_tokens");
        return asked.orElse(endpoint.defaultMaxTokens());
    }

    /**
     * Chat: {@code logprobs} (bool) turns them on, {@code top_logprobs} says how many alternatives.
     * Completions: {@code logprobs} is the number of alternatives.
     */
    private static Optional<Integer> logprobs(BodyFields body, Endpoint endpoint) {
        if (endpoint == Endpoint.COMPLETION) {
            return body.integer("logprobs");
        }
        boolean on = body.bool("logprobs").orElse(false);
        Optional<Integer> top = body.integer("top_logprobs");
        if (top.isPresent() && !on) {
            throw new InvalidRequestException("top_logprobs requires logprobs to be true");
        }
        return on ? Optional.of(top.orElse(0)) : Optional.empty();
    }

    /** Fields with a meaning we do not implement: silently ignoring them would give wrong output. */
    private static void rejectUnsupported(BodyFields body, Endpoint endpoint) {
        body.integer("n").filter(n -> n != 1).ifPresent(n -> {
            throw new InvalidRequestException("n must be 1 (one choice per request), got " + n);
        });
        if (endpoint == Endpoint.COMPLETION) {
            body.integer("best_of").filter(n -> n != 1).ifPresent(n -> {
                throw new InvalidRequestException("best_of must be 1 (one choice per request), got " + n);
            });
            if (body.bool("echo").orElse(false)) {
                throw new InvalidRequestException("echo is not supported");
            }
        }
        if (body.bool("stream").orElse(false)) {
            throw new InvalidRequestException("stream is not supported in batch requests; leave it out");
        }
    }
}
