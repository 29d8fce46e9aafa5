package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LlmEngine;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.tokenizer.ChatMessage;
import io.flinfer.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flinfer batch} over an OpenAI Batch API request file, on a real MiniCluster and engine. */
class BatchRequestFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void answersEveryChatAndCompletionLineAsTheEngineAloneDoes() throws Exception {
        Path input = dir.resolve("requests.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            lines.append(i % 2 == 0 ? completion("c" + i, "Once upon a time " + i, 6 + i) : chat("m" + i, "Tell me about " + i, 5 + i))
                    .append('\n');
        }
        Files.writeString(input, lines);
        Path output = dir.resolve("results.jsonl");

        CliRun run = batch(input, output);

        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, JsonNode> results = byCustomId(output);
        assertThat(results).hasSize(6);
        Map<String, RequestOutput> expected = engineAlone();
        expected.forEach((id, want) -> {
            JsonNode result = results.get(id);
            JsonNode body = result.path("response").path("body");
            assertThat(result.path("response").path("status_code").asInt()).as(id).isEqualTo(200);
            JsonNode choice = body.path("choices").path(0);
            String text = id.startsWith("m") ? choice.path("message").path("content").asText() : choice.path("text").asText();
            assertThat(text).as(id).isEqualTo(want.text());
            assertThat(body.path("usage").path("prompt_tokens").asInt()).as(id).isEqualTo(want.numPromptTokens());
            assertThat(body.path("usage").path("completion_tokens").asInt()).as(id).isEqualTo(want.outputTokenIds().length);
            assertThat(body.path("usage").path("total_tokens").asInt()).as(id)
                    .isEqualTo(want.numPromptTokens() + want.outputTokenIds().length);
        });
        assertThat(run.out()).contains("This run: 6 rows (0 errors)");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList())
                .as("the work folder is gone once the output is committed")
                .containsExactlyInAnyOrder("requests.jsonl", "results.jsonl");
    }

    @Test
    void everyBadLineGetsAnErrorLineAndTheRestCompletes() throws Exception {
        Path input = dir.resolve("requests.jsonl");
        Files.writeString(input, String.join("\n",
                completion("good-1", "Once upon a time", 4),
                "this is not json",
                "{\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"no id\"}}",
                completion("good-1", "the same id again", 4),
                "{\"custom_id\":\"embed\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{\"input\":\"x\"}}",
                "{\"custom_id\":\"hot\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"x\",\"temperature\":-3}}",
                completion("too-long", "word ".repeat(3000), 4),
                "{\"custom_id\":\"empty\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":{\"prompt\":\"\"}}",
                completion("good-2", "The little dog", 4)) + "\n");
        Path output = dir.resolve("results.jsonl");

        CliRun run = batch(input, output, "--max-model-len", "512");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = lines(output);
        assertThat(lines).hasSize(9);
        List<JsonNode> ok = lines.stream().filter(l -> l.path("error").isNull()).toList();
        assertThat(ok).extracting(l -> l.path("custom_id").asText()).containsExactlyInAnyOrder("good-1", "good-2");
        Map<String, String> errors = lines.stream().filter(l -> !l.path("error").isNull())
                .collect(Collectors.toMap(l -> l.path("custom_id").asText("") + "|" + l.path("error").path("message").asText(), l -> "", (a, b) -> a));
        assertThat(errors.keySet()).anySatisfy(e -> assertThat(e).startsWith("|line 2 of").contains("not JSON"))
                .anySatisfy(e -> assertThat(e).startsWith("|line 3 of").contains("custom_id"))
                .anySatisfy(e -> assertThat(e).startsWith("good-1|").contains("more than once"))
                .anySatisfy(e -> assertThat(e).startsWith("embed|").contains("/v1/embeddings"))
                .anySatisfy(e -> assertThat(e).startsWith("hot|").contains("temperature"))
                .anySatisfy(e -> assertThat(e).startsWith("too-long|"))
                .anySatisfy(e -> assertThat(e).startsWith("empty|").contains("empty"));
        assertThat(run.out()).contains("This run: 9 rows (7 errors)");
    }

    static CliRun batch(Path input, Path output, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("batch", "--model", TinyModel.get().toString(),
                "--kv-cache-memory", "16MiB", "--checkpoint-interval", "1s",
                "--input", input.toString(), "--output", output.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static Map<String, RequestOutput> engineAlone() {
        Map<String, RequestOutput> outputs = new HashMap<>();
        try (LlmEngine engine = LlmEngine.create(EngineConfig.defaults(TinyModel.get()).withKvCacheMemory(16L << 20))) {
            Tokenizer tokenizer = engine.tokenizer();
            for (int i = 0; i < 6; i++) {
                boolean chat = i % 2 == 1;
                String id = (chat ? "m" : "c") + i;
                int[] prompt = chat
                        ? tokenizer.encodeWithoutSpecialTokens(tokenizer.applyChatTemplate(
                                List.of(new ChatMessage("user", "Tell me about " + i)), true))
                        : tokenizer.encode("Once upon a time " + i);
                SamplingParams greedy = SamplingParams.builder().temperature(0).maxTokens(chat ? 5 + i : 6 + i).build();
                engine.addRequest(id, prompt, greedy, null, new int[0]);
            }
            while (engine.hasUnfinishedRequests()) {
                for (RequestOutput out : engine.step()) {
                    if (out.finished()) {
                        outputs.put(out.requestId(), out);
                    }
                }
            }
        }
        return outputs;
    }

    static String completion(String id, String prompt, int maxTokens) {
        return JSON.createObjectNode().put("custom_id", id).put("method", "POST").put("url", "/v1/completions")
                .set("body", JSON.createObjectNode().put("prompt", prompt).put("max_tokens", maxTokens).put("temperature", 0))
                .toString();
    }

    private static String chat(String id, String content, int maxTokens) {
        var body = JSON.createObjectNode().put("max_tokens", maxTokens).put("temperature", 0);
        body.putArray("messages").addObject().put("role", "user").put("content", content);
        return JSON.createObjectNode().put("custom_id", id).put("method", "POST").put("url", "/v1/chat/completions")
                .set("body", body).toString();
    }

    static List<JsonNode> lines(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(BatchRequestFileTest::parse).toList();
    }

    private static Map<String, JsonNode> byCustomId(Path file) throws Exception {
        return lines(file).stream().collect(Collectors.toMap(l -> l.path("custom_id").asText(), l -> l));
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
