package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.tokenizer.Tokenizer;
import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Perplexity of stories260K (a model trained on TinyStories) over a bundled TinyStories-like text
 * (written for this test, 3,156 tokens in twelve stories, read as twelve sequences decoding
 * together through the paged KV cache, one token each per step): bfloat16 within 1% of float32, int8 weights within 3%, as the
 * issue asks (measured: float32 4.2387, bfloat16 4.2373, int8 4.2489 over 3,156 tokens, fbgemm's dynamic
 * product with every matrix int8 and each product's input rounded to 8 bits; ATen's weight-only kernel gave
 * 4.2350 with the 344 x 172 down projections left in float32). Perplexity weighs every token's
 * probability, so it sees what greedy text hides.
 */
class PerplexityByDtypeTest {
    private static final Logger LOG = LoggerFactory.getLogger(PerplexityByDtypeTest.class);
    private static final int BLOCK = 16;

    private static List<int[]> stories;
    private static double float32;

    @BeforeAll
    static void readTheTextAndTheFloat32Perplexity() throws IOException {
        Path model = BundledModels.stories260K();
        try (Tokenizer tokenizer = Tokenizer.load(model);
                InputStream in = PerplexityByDtypeTest.class.getResourceAsStream("/perplexity/tiny-stories.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            stories = Arrays.stream(text.split("\n\n")).map(String::strip).map(tokenizer::encode).toList();
        }
        assertThat(stories.stream().mapToInt(s -> s.length).sum()).as("tokens in the text").isGreaterThan(3000);
        float32 = perplexity(DataType.FLOAT32, false);
        LOG.info("{} tokens; float32 perplexity {}", stories.stream().mapToInt(s -> s.length).sum(), float32);
        // Fluent text in the model's domain: a random guess over its 512 tokens would be 512.
        assertThat(float32).isLessThan(20);
    }

    @Test
    void bfloat16IsWithinOnePercentOfFloat32() {
        double bf16 = perplexity(DataType.BFLOAT16, false);
        LOG.info("perplexity: float32 {}, bfloat16 {}", String.format("%.4f", float32), String.format("%.4f", bf16));
        assertThat(Math.abs(bf16 / float32 - 1)).as("bfloat16 %.4f vs float32 %.4f", bf16, float32).isLessThan(0.01);
    }

    @Test
    void int8WeightsAreWithinThreePercentOfFloat32() {
        double int8 = perplexity(DataType.FLOAT32, true);
        LOG.info("perplexity: float32 {}, int8 weights {}", String.format("%.4f", float32), String.format("%.4f", int8));
        assertThat(Math.abs(int8 / float32 - 1)).as("int8 %.4f vs float32 %.4f", int8, float32).isLessThan(0.03);
        // The quantization did something: int8 is not float32 under another name.
        assertThat(int8).isNotEqualTo(float32);
    }

    /**
     * exp of the mean negative log-likelihood of every token after the first of each story; the
     * stories advance together, one token each per step, as a batch of decoding sequences.
     */
    private static double perplexity(DataType dtype, boolean int8) {
        PathOptions options = PathOptions.defaults(Device.cpu(), dtype, stories.size()).withInt8(int8);
        int longest = stories.stream().mapToInt(s -> s.length).max().orElseThrow();
        int blocksEach = (longest + BLOCK - 1) / BLOCK;
        double nll = 0;
        int count = 0;
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = LlamaModel.load(BundledModels.stories260K(), 512, dtype, root, options)) {
            KvCache cache = new KvCache(model.config(), blocksEach * stories.size(), BLOCK, dtype, model.manager());
            for (int i = 0; i + 1 < longest; i++) {
                StepInput.Builder input = StepInput.builder(BLOCK);
                List<Integer> reading = new ArrayList<>();
                for (int s = 0; s < stories.size(); s++) {
                    int[] story = stories.get(s);
                    if (i + 1 < story.length) {
                        int first = s * blocksEach;
                        input.add(new int[] {story[i]}, i, IntStream.range(first, first + blocksEach).toArray());
                        reading.add(s);
                    }
                }
                try (NDManager step = root.newSubManager()) {
                    float[] logits = model.forward(input.build(), cache, step).toFloatArray();
                    int vocab = logits.length / reading.size();
                    for (int r = 0; r < reading.size(); r++) {
                        float[] row = Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab);
                        nll -= logSoftmax(row, stories.get(reading.get(r))[i + 1]);
                        count++;
                    }
                }
            }
        }
        return Math.exp(nll / count);
    }

    private static double logSoftmax(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return logits[token] - max - Math.log(sum);
    }
}
