package io.flinfer.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.sampling.SamplingParams;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.StreamSupport;

/**
 * An outside reference for the engine: greedy token ids and text another implementation produced
 * for the same weights (llama2.c's {@code run.c} for the bundled stories260K, see models/golden/).
 * The golden test and {@code flinfer doctor} both replay it.
 */
public final class GreedyGolden {
    /** llama2.c runs 256 positions; the token sampled at the last one is printed too. */
    private static final int POSITIONS = 256;
    /** llama2.c stops at BOS (token 1). */
    private static final int BOS = 1;

    /** One prompt and what the reference produced for it. */
    public record Case(String prompt, int[] promptIds, int[] greedyIds, String text) {}

    /**
     * What the engine produced for a case.
     *
     * @param firstDifference the first generated position whose id differs from the reference's,
     *     or -1 when the ids are the same
     */
    public record Outcome(Case golden, int[] encodedPrompt, int[] ids, String text, int firstDifference) {
        public boolean passed() {
            return firstDifference < 0 && Arrays.equals(encodedPrompt, golden.promptIds())
                    && text.equals(golden.text());
        }
    }

    private final List<Case> cases;

    private GreedyGolden(List<Case> cases) {
        this.cases = cases;
    }

    /** Reads the golden file: {@code {"cases": [{"prompt", "prompt_ids", "greedy_ids", "text"}]}}. */
    public static GreedyGolden read(InputStream json) {
        try (json) {
            JsonNode root = new ObjectMapper().readTree(json);
            return new GreedyGolden(StreamSupport.stream(root.get("cases").spliterator(), false)
                    .map(c -> new Case(c.get("prompt").asText(), ints(c.get("prompt_ids")), ints(c.get("greedy_ids")),
                            c.get("text").asText()))
                    .toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Case> cases() {
        return cases;
    }

    /** Replays every case greedily on {@code llm}, which must hold the reference's model. */
    public List<Outcome> replay(Llm llm) {
        return cases.stream().map(c -> replay(llm, c)).toList();
    }

    private static Outcome replay(Llm llm, Case c) {
        int[] encoded = llm.engine().tokenizer().encode(c.prompt());
        SamplingParams params = SamplingParams.builder().temperature(0)
                .maxTokens(POSITIONS + 1 - c.promptIds().length).stopTokenIds(List.of(BOS)).build();
        RequestOutput out = llm.generateIds(List.of(c.promptIds()), params).get(0);
        int[] ids = out.outputTokenIds();
        // llama2.c prints the prompt, the continuation, and a final newline.
        String text = c.prompt() + out.text() + "\n";
        return new Outcome(c, encoded, ids, text, Arrays.mismatch(ids, c.greedyIds()));
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
