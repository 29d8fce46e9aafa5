package io.flinfer.engine;

import io.flinfer.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The offline facade: generate completions for a list of prompts and wait for all of them. */
public final class Llm implements AutoCloseable {
    private final LlmEngine engine;

    public Llm(LlmEngine engine) {
        this.engine = engine;
    }

    public static Llm load(EngineConfig config) {
        return new Llm(LlmEngine.create(config));
    }

    public LlmEngine engine() {
        return engine;
    }

    /** Completes each prompt text; outputs come back in the prompts' order. */
    public List<RequestOutput> generate(List<String> prompts, SamplingParams params) {
        return generateIds(prompts.stream().map(p -> engine.tokenizer().encode(p)).toList(), params);
    }

    /**
     * Completes each tokenized prompt. A prompt the engine cannot serve gets a finished output with
     * its error; the others still complete.
     */
    public List<RequestOutput> generateIds(List<int[]> prompts, SamplingParams params) {
        Map<String, RequestOutput> done = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            String id = "llm-" + i;
            ids.add(id);
            try {
                engine.addRequest(id, prompts.get(i), params, null, new int[0]);
            } catch (IllegalArgumentException e) {
                done.put(id, RequestOutput.failed(id, e.getMessage()));
            }
        }
        while (engine.hasUnfinishedRequests()) {
            for (RequestOutput out : engine.step()) {
                if (out.finished()) {
                    done.put(out.requestId(), out);
                }
            }
        }
        return ids.stream().map(done::get).toList();
    }

    @Override
    public void close() {
        engine.close();
    }
}
