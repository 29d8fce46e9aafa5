package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text prompts made of vocabulary words tokenize to the lengths drawn; runs on a synthetic model's real tokenizer. */
class TextPromptsTest {
    @TempDir Path dir;

    @Test
    void textPromptsAreWordsThatTokenizeToLengthsInTheRange() throws Exception {
        Path model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 1, false, (done, total) -> {});
        try (Tokenizer tokenizer = Tokenizer.load(model)) {
            List<TextPrompts.TextRequest> requests = new TextPrompts(tokenizer, 7)
                    .requests(40, TokenRange.parse("16:200"), TokenRange.parse("3:9"));

            assertThat(requests).hasSize(40).allSatisfy(r -> {
                assertThat(r.prompt()).matches("[A-Za-z]+( [A-Za-z]+)*");
                assertThat(r.tokens().promptIds()).as("the pipeline's tokenization").isEqualTo(tokenizer.encode(r.prompt()));
                assertThat(r.tokens().promptIds().length).as(r.prompt()).isBetween(16, 200);
                assertThat(r.tokens().outputLen()).isBetween(3, 9);
            });
            assertThat(requests).extracting(r -> r.tokens().promptIds().length).as("lengths spread over the range")
                    .anyMatch(n -> n < 60).anyMatch(n -> n > 150);
        }
    }
}
