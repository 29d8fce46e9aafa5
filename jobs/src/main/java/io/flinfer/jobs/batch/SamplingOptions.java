package io.flinfer.jobs.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Sampling options for every row of a dataset, with vLLM's names; they become the request body's
 * fields of the same names (snake case), which per-row columns may override.
 */
public final class SamplingOptions {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--max-tokens", paramLabel = "N", description = "Most tokens to generate per row. Default: 16 for prompts, 256 for chats.")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature; 0 is greedy. Default: 1.")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling: smallest set of tokens whose probability reaches P. Default: 1.")
    Double topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K likeliest tokens; -1 for all. Default: -1.")
    Integer topK;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens less likely than P times the likeliest. Default: 0.")
    Double minP;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of every row's sampling. Default: one derived from each row's id.")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "A stop string; repeat for several.")
    List<String> stop;

    @Option(names = "--min-tokens", paramLabel = "N", description = "Tokens to generate before EOS or a stop string may end a row. Default: 0.")
    Integer minTokens;

    @Option(names = "--ignore-eos", description = "Keep generating past the end-of-sequence token.")
    Boolean ignoreEos;

    @Option(names = "--presence-penalty", paramLabel = "X", description = "Default: 0.")
    Double presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "X", description = "Default: 0.")
    Double frequencyPenalty;

    @Option(names = "--repetition-penalty", paramLabel = "X", description = "Default: 1.")
    Double repetitionPenalty;

    /** The request-body fields these options set; unset options are left to the defaults of the API. */
    public String toBodyJson() {
        ObjectNode body = JSON.createObjectNode();
        if (maxTokens != null) body.put("max_tokens", maxTokens);
        if (temperature != null) body.put("temperature", temperature);
        if (topP != null) body.put("top_p", topP);
        if (topK != null) body.put("top_k", topK);
        if (minP != null) body.put("min_p", minP);
        if (seed != null) body.put("seed", seed);
        if (stop != null) stop.forEach(body.withArray("stop")::add);
        if (minTokens != null) body.put("min_tokens", minTokens);
        if (ignoreEos != null) body.put("ignore_eos", ignoreEos);
        if (presencePenalty != null) body.put("presence_penalty", presencePenalty);
        if (frequencyPenalty != null) body.put("frequency_penalty", frequencyPenalty);
        if (repetitionPenalty != null) body.put("repetition_penalty", repetitionPenalty);
        return body.toString();
    }
}
