package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flinfer generate}: the reference continuation, the JSON form, and clear failures. */
class GenerateCommandTest {
    private static Path stories;
    private static JsonNode golden;

    @BeforeAll
    static void bundledModel() throws IOException {
        stories = BundledModels.stories260K();
        golden = new ObjectMapper().readTree(BundledModels.stories260KGreedyGolden());
    }

    @Test
    void printsTheReferenceContinuation() {
        CliRun run = CliRun.of("generate", "--model", stories.toString(), "--prompt", "Once upon a time",
                "--max-tokens", "64", "--temperature", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String reference = golden.get("cases").get(0).get("text").asText();
        String printed = run.out().strip();
        assertThat(printed).startsWith("Once upon a time, there was a little girl named Lily.");
        assertThat(reference).startsWith(printed);
    }

    @Test
    void jsonCarriesTokensAndUsage() throws IOException {
        CliRun run = CliRun.of("generate", "--model", stories.toString(), "--prompt", "Once upon a time",
                "--prompt", "Lily and Ben", "--max-tokens", "8", "--temperature", "0", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertThat(first.get("prompt").asText()).isEqualTo("Once upon a time");
        assertThat(first.get("prompt_token_ids").toString()).isEqualTo(golden.get("cases").get(0).get("prompt_ids").toString());
        assertThat(first.get("token_ids")).hasSize(8);
        for (int i = 0; i < 8; i++) {
            assertThat(first.get("token_ids").get(i).asInt()).isEqualTo(golden.get("cases").get(0).get("greedy_ids").get(i).asInt());
        }
        assertThat(first.get("finish_reason").asText()).isEqualTo("length");
        assertThat(first.get("usage").get("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(first.get("usage").get("completion_tokens").asInt()).isEqualTo(8);
        assertThat(first.get("text").asText()).isNotBlank();
    }

    /** Commands that run one model refuse a second --model instead of ignoring it. */
    @Test
    void commandsOfOneModelRefuseARepeatedModel() {
        String model = stories.toString();
        expectFailure(CliRun.of("generate", "--model", model, "--model", model + "=other", "--prompt", "x"),
                "flinfer generate runs one model, but --model was given 2 times", "several models are for flinfer run");
        for (String bench : new String[] {"throughput", "prefix", "structured", "batch", "pipeline"}) {
            expectFailure(CliRun.of("bench", bench, "--model", model, "--model", model + "=other"),
                    "flinfer bench " + bench + " runs one model, but --model was given 2 times");
        }
        expectFailure(CliRun.of("doctor", "--model", model, "--model", model), "--model", "should be specified only once");
    }

    @Test
    void badInputGivesAClearMessageAndANonZeroExit(@TempDir Path dir) throws IOException {
        expectFailure(CliRun.of("generate", "--model", dir.resolve("missing").toString(), "--prompt", "x"),
                "model folder not found");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        expectFailure(CliRun.of("generate", "--model", empty.toString(), "--prompt", "x"), "no config.json");
        Path gpt2 = copyOfStories(dir.resolve("gpt2"));
        Files.writeString(gpt2.resolve("config.json"),
                Files.readString(gpt2.resolve("config.json")).replace("\"llama\"", "\"gpt2\""));
        expectFailure(CliRun.of("generate", "--model", gpt2.toString(), "--prompt", "x"),
                "unsupported model_type 'gpt2'", "llama, mistral, qwen2, qwen3");
        Path truncated = copyOfStories(dir.resolve("truncated"));
        byte[] weights = Files.readAllBytes(truncated.resolve("model.safetensors"));
        Files.write(truncated.resolve("model.safetensors"), Arrays.copyOf(weights, weights.length / 2));
        expectFailure(CliRun.of("generate", "--model", truncated.toString(), "--prompt", "x"), "corrupt safetensors file");
        Path garbage = copyOfStories(dir.resolve("garbage"));
        Files.write(garbage.resolve("model.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        expectFailure(CliRun.of("generate", "--model", garbage.toString(), "--prompt", "x"), "corrupt safetensors file");
        expectFailure(CliRun.of("generate", "--model", stories.toString(), "--prompt", "word ".repeat(600)),
                "max_model_len");
        expectFailure(CliRun.of("generate", "--model", stories.toString(), "--prompt", "x", "--temperature", "-1"),
                "temperature must be >= 0");
        expectFailure(CliRun.of("generate", "--model", stories.toString(), "--prompt", "x", "--top-p", "0"),
                "top_p must be in (0, 1]");
        expectFailure(CliRun.of("generate", "--model", stories.toString(), "--prompt", "x", "--max-tokens", "0"),
                "max_tokens must be at least 1");
    }

    private static void expectFailure(CliRun run, String... messageParts) {
        assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isNotZero();
        for (String part : messageParts) {
            assertThat(run.err()).contains(part);
        }
    }

    private static Path copyOfStories(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(stories)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }
}
