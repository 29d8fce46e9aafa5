package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.LoraConfig;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.models.BundledModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer batch} with two models ({@code --model PATH=NAME} twice) and a LoRA adapter written by
 * {@code flinfer model synth-lora} over the first, in one MiniCluster job: each request runs on the
 * model its "model" field names and its result names that model (the first when it names none; the
 * adapter's requests on the first model with the adapter), each text is what an engine of that model
 * (and adapter) alone gives, the adapter's and the second model's greedy texts differ from the first
 * model's, a broken adapter fails only its requests (400 with why), and an unknown name stays 404.
 */
class BatchModelRoutingTest {
    private static final String PROMPT = "Once upon a time";

    @TempDir Path dir;

    @Test
    void eachRequestRunsOnTheModelItNames() throws Exception {
        Path style = dir.resolve("style");
        CliRun synth = CliRun.of("model", "synth-lora", "--base", TinyModel.get().toString(), "--rank", "8",
                "--out", style.toString(), "--seed", "3");
        assertThat(synth.exitCode()).as(synth.err()).isZero();
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("adapter_config.json"), "{\"r\": 4, \"lora_alpha\": 8}");
        Files.writeString(broken.resolve("adapter_model.safetensors"), "truncated");
        Path input = dir.resolve("requests.jsonl");
        Files.writeString(input, String.join("\n",
                request("base", null), request("base-named", TinyModel.get().getFileName().toString()),
                request("style", "style"), request("style-2", "style"), request("broken", "broken"),
                request("unknown", "nope"), request("second", "second")) + "\n");
        Path output = dir.resolve("results.jsonl");
        // A trained model as the second: the random tiny model's greedy text is a repeated word.
        Path second = BundledModels.stories260K();

        CliRun run = BatchRequestFileTest.batch(input, output, "--lora-modules", "style=" + style,
                "--lora-modules", "broken=" + broken, "--max-loras", "2", "--model", second + "=second",
                "--model-parallelism", "second=2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, JsonNode> results = BatchRequestFileTest.lines(output).stream()
                .collect(Collectors.toMap(l -> l.path("custom_id").asText(), l -> l));
        assertThat(results).hasSize(7);
        String baseText = text(results.get("base"));
        assertThat(text(results.get("base-named"))).isEqualTo(baseText);
        assertThat(results.get("style").path("response").path("body").path("model").asText()).isEqualTo("style");
        assertThat(results.get("base").path("response").path("body").path("model").asText())
                .isEqualTo(TinyModel.get().toString());
        String styleText = text(results.get("style"));
        assertThat(styleText).isEqualTo(text(results.get("style-2"))).isEqualTo(engineAlone(TinyModel.get(), style))
                .isNotEqualTo(baseText);
        assertThat(baseText).isEqualTo(engineAlone(TinyModel.get(), null));
        assertThat(results.get("second").path("response").path("body").path("model").asText()).isEqualTo("second");
        assertThat(text(results.get("second"))).isEqualTo(engineAlone(second, null)).isNotEqualTo(baseText);
        assertThat(results.get("broken").path("response").path("status_code").asInt()).isEqualTo(400);
        assertThat(results.get("broken").path("error").path("message").asText()).contains("LoRA adapter broken");
        assertThat(results.get("unknown").path("response").path("status_code").asInt()).isEqualTo(404);
    }

    private static String request(String id, String model) {
        String line = BatchRequestFileTest.completion(id, PROMPT, 12);
        return model == null ? line : line.replace("\"body\":{", "\"body\":{\"model\":\"" + model + "\",");
    }

    private static String text(JsonNode result) {
        assertThat(result.path("response").path("status_code").asInt()).as(result.toString()).isEqualTo(200);
        return result.path("response").path("body").path("choices").path(0).path("text").asText();
    }

    /** The greedy text of an engine of {@code model} alone, with {@code adapter} (null: none). */
    private static String engineAlone(Path model, Path adapter) {
        EngineConfig config = EngineConfig.defaults(model).withKvCacheMemory(16L << 20).withLora(adapter == null
                ? LoraConfig.NONE : new LoraConfig(Map.of("style", adapter.toString()), 1, 16, 1));
        try (LlmEngine engine = LlmEngine.create(config)) {
            engine.addRequest("r", engine.tokenizer().encode(PROMPT), SamplingParams.builder().temperature(0)
                    .maxTokens(12).build(), null, new int[0], adapter == null ? null : "style");
            while (true) {
                for (RequestOutput out : engine.step()) {
                    if (out.finished()) {
                        return out.text();
                    }
                }
            }
        }
    }
}
