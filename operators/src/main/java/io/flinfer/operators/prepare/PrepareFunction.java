package io.flinfer.operators.prepare;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.SideOutputs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Renders and tokenizes a request (chat template for chat requests), computes its prefix routing
 * key and fixes its seed: the request's own, or one derived from its custom_id so that a replay
 * after a failure samples the same text. A request that cannot be rendered gets an error result
 * ({@link SideOutputs#ERROR_RESULTS}).
 */
public final class PrepareFunction extends ProcessFunction<InferenceRequest, PreparedRequest> {
    private static final long serialVersionUID = 1L;

    private final String modelDir;
    private final int blockSize;
    private final int prefixKeyBlocks;
    private transient Tokenizer tokenizer;
    private transient Counter badRequests;

    public PrepareFunction(EngineConfig engine, int prefixKeyBlocks) {
        this.modelDir = engine.model();
        this.blockSize = engine.blockSize();
        this.prefixKeyBlocks = prefixKeyBlocks;
    }

    @Override
    public void open(OpenContext context) {
        tokenizer = SharedTokenizers.get(modelDir);
        badRequests = getRuntimeContext().getMetricGroup().counter("bad_requests");
    }

    @Override
    public void processElement(InferenceRequest request, Context ctx, Collector<PreparedRequest> out) {
        int[] promptIds;
        try {
            promptIds = promptIds(tokenizer, request);
        } catch (RuntimeException e) {
            badRequests.inc();
            ctx.output(SideOutputs.ERROR_RESULTS,
                    ResultLine.badRequest(request.customId(), "cannot render the prompt: " + e.getMessage()));
            return;
        }
        String cacheSalt = request.cacheSalt().orElse(null);
        out.collect(new PreparedRequest(request.customId(), request.endpoint(), request.model(), promptIds,
                withSeed(request.samplingParams(), request.customId()), cacheSalt,
                PrefixKey.of(promptIds, blockSize, prefixKeyBlocks, cacheSalt, request.customId()), request));
    }

    /**
     * The prompt of {@code request} in {@code tokenizer}'s ids: its messages through the model's chat
     * template, or its prompt text.
     *
     * @throws RuntimeException when it cannot be rendered (e.g. chat messages for a model without a chat template)
     */
    public static int[] promptIds(Tokenizer tokenizer, InferenceRequest request) {
        return request.endpoint() == Endpoint.CHAT
                ? tokenizer.encodeWithoutSpecialTokens(tokenizer.applyChatTemplate(request.messages(), true))
                : tokenizer.encode(request.prompt());
    }

    private static SamplingParams withSeed(SamplingParams params, String customId) {
        return params.seed != null ? params : params.toBuilder().seed(derivedSeed(customId)).build();
    }

    static long derivedSeed(String customId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(customId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
