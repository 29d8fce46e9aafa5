package io.flinfer.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model directories built from the real stories260K tokenizer.json plus hand-written config files. */
class TokenizerLoadTest {
    @TempDir
    Path dir;

    @Test
    void rejectsAMissingDirectory() {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> Tokenizer.load(missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void rejectsADirectoryWithoutTokenizerJson() {
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.json is missing in " + dir);
    }

    @Test
    void rejectsTokenizerJsonThatIsNotJson() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", ");
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("tokenizer.json") + " is not valid JSON");
    }

    @Test
    void rejectsTokenizerJsonWithoutAModel() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.json has no \"model\".\"vocab\"");
    }

    @Test
    void reportsWhatTheTokenizersLibraryRejects() throws IOException {
        String json = storiesTokenizerJson().replace("\"type\": \"BPE\"", "\"type\": \"NoSuchModel\"");
        Files.writeString(dir.resolve("tokenizer.json"), json);
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizers library rejected " + dir.resolve("tokenizer.json"));
    }

    @Test
    void rejectsACorruptTokenizerConfig() throws IOException {
        copyStoriesTokenizer();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": ");
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer_config.json is not valid JSON");
    }

    @Test
    void rejectsASpecialTokenTheVocabularyLacks() throws IOException {
        copyStoriesTokenizer();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\"}");
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names eos_token '<|im_end|>', but tokenizer.json has no such token");
    }

    @Test
    void rejectsAnEosTokenIdThatIsNotAnId() throws IOException {
        copyStoriesTokenizer();
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, \"</s>\"]}");
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("generation_config.json: field 'eos_token_id' must be a non-negative integer");
    }

    @Test
    void rejectsNamedChatTemplatesWithoutADefault() throws IOException {
        copyStoriesTokenizer();
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
        assertThatThrownBy(() -> Tokenizer.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none named 'default'");
    }

    @Test
    void worksWithTokenizerJsonAlone() throws IOException {
        copyStoriesTokenizer();
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertThat(tokenizer.encode("Once upon a time")).containsExactly(1, 403, 407, 261, 378);
            assertThat(tokenizer.bosTokenId()).isNull();
            assertThat(tokenizer.eosTokenIds()).isEmpty();
            assertThat(tokenizer.hasChatTemplate()).isFalse();
        }
    }

    @Test
    void readsTokenObjectsEosListsAndNamedTemplates() throws IOException {
        copyStoriesTokenizer();
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": {"__type": "AddedToken", "content": "</s>"},
                 "chat_template": [{"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"},
                                   {"name": "tool_use", "template": "tools"}]}
                """);
        Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": [0, 2]}");
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertThat(tokenizer.bosTokenId()).isEqualTo(1);
            assertThat(tokenizer.eosTokenIds()).containsExactlyInAnyOrder(2, 0);
            assertThat(tokenizer.applyChatTemplate(List.of(new ChatMessage("user", "hi")), true))
                    .isEqualTo("<s>hi</s>");
        }
    }

    @Test
    void readsTheTemplateFromChatTemplateJinja() throws IOException {
        copyStoriesTokenizer();
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}[{{ m.role }}]{% endfor %}\n");
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertThat(tokenizer.applyChatTemplate(
                    List.of(new ChatMessage("user", "a"), new ChatMessage("assistant", "b")), false))
                    .isEqualTo("[user][assistant]");
        }
    }

    @Test
    void honoursAddBosTokenFalse() throws IOException {
        copyStoriesTokenizer();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"add_bos_token\": false}");
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertThat(tokenizer.encode("Once upon a time")).containsExactly(403, 407, 261, 378);
            assertThat(tokenizer.encode("<s>Once")).startsWith(1); // a BOS written in the text stays
        }
    }

    @Test
    void honoursAddBosTokenTrueWhenThePostProcessorAddsNone() throws IOException {
        String json = storiesTokenizerJson();
        int start = json.indexOf("\"post_processor\"");
        int end = json.indexOf("\"decoder\"");
        Files.writeString(dir.resolve("tokenizer.json"),
                json.substring(0, start) + "\"post_processor\": null,\n " + json.substring(end));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"add_bos_token\": true}");
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertThat(tokenizer.encodeWithoutSpecialTokens("Once upon a time")).containsExactly(403, 407, 261, 378);
            assertThat(tokenizer.encode("Once upon a time")).containsExactly(1, 403, 407, 261, 378);
        }
    }

    private void copyStoriesTokenizer() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), storiesTokenizerJson());
    }

    private static String storiesTokenizerJson() throws IOException {
        return Files.readString(BundledModels.stories260K().resolve("tokenizer.json"));
    }
}
