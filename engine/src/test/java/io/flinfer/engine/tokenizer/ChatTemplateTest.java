package io.flinfer.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real chat templates, copied verbatim from the models' tokenizer_config.json into test resources. The expected
 * strings were rendered by Python jinja2 3.1.6 set up as transformers' apply_chat_template sets it up
 * (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, raise_exception).
 */
class ChatTemplateTest {
    private static final List<ChatMessage> SINGLE = List.of(new ChatMessage("user", "Hello, how are you?"));
    /** A system prompt, several turns, spaces to trim and Jinja syntax that must stay plain text. */
    private static final List<ChatMessage> MULTI = List.of(
            new ChatMessage("system", "You are a pirate."),
            new ChatMessage("user", "Hi"),
            new ChatMessage("assistant", "Arr!"),
            new ChatMessage("user", "  Where is the {{ treasure }}?  "));

    @Test
    void rendersSmolLm2ChatMl() {
        ChatTemplate template = template("smollm2-135m-instruct");
        assertThat(template.render(SINGLE, true)).isEqualTo(
                "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                        + "<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(template.render(MULTI, false)).isEqualTo(
                "<|im_start|>system\nYou are a pirate.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nArr!<|im_end|>\n"
                        + "<|im_start|>user\n  Where is the {{ treasure }}?  <|im_end|>\n");
    }

    @Test
    void rendersLlama3WithBosAndTrimmedContent() {
        ChatTemplate template = template("llama-3-8b-instruct");
        assertThat(template.render(SINGLE, true)).isEqualTo(
                "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello, how are you?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.render(MULTI, false)).isEqualTo(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a pirate.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nArr!<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nWhere is the {{ treasure }}?<|eot_id|>");
    }

    @Test
    void rendersQwen25WithItsDefaultSystemPrompt() {
        ChatTemplate template = template("qwen2.5-instruct");
        assertThat(template.render(SINGLE, true)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(template.render(MULTI, false)).isEqualTo(
                "<|im_start|>system\nYou are a pirate.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\nArr!<|im_end|>\n"
                        + "<|im_start|>user\n  Where is the {{ treasure }}?  <|im_end|>\n");
    }

    @Test
    void rendersMistralAndReportsItsRaisedExceptions() {
        ChatTemplate template = template("mistral-7b-instruct-v0.1");
        assertThat(template.render(List.of(
                new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!"), new ChatMessage("user", "Bye")),
                true)).isEqualTo("<s>[INST] Hi [/INST]Hello!</s> [INST] Bye [/INST]");
        assertThatThrownBy(() -> template.render(
                List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The chat template rejected the messages: "
                        + "Conversation roles must alternate user/assistant/user/assistant/...");
        assertThatThrownBy(() -> template.render(
                List.of(new ChatMessage("user", "a"), new ChatMessage("system", "b")), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("Only user and assistant roles are supported!");
    }

    @Test
    void rendersGemma3FoldingTheSystemPromptIntoTheFirstUserTurn() {
        ChatTemplate template = template("gemma-3-1b-it");
        assertThat(template.render(SINGLE, true)).isEqualTo(
                "<bos><start_of_turn>user\nHello, how are you?<end_of_turn>\n<start_of_turn>model\n");
        assertThat(template.render(MULTI, false)).isEqualTo(
                "<bos><start_of_turn>user\nYou are a pirate.\n\nHi<end_of_turn>\n<start_of_turn>model\nArr!<end_of_turn>\n"
                        + "<start_of_turn>user\nWhere is the {{ treasure }}?<end_of_turn>\n");
    }

    @Test
    void rendersGemma2AndReportsItsRefusalOfASystemPrompt() {
        ChatTemplate template = template("gemma-2-2b-it");
        assertThat(template.render(SINGLE, true)).isEqualTo(
                "<bos><start_of_turn>user\nHello, how are you?<end_of_turn>\n<start_of_turn>model\n");
        assertThatThrownBy(() -> template.render(MULTI, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("System role not supported");
    }

    @Test
    void rendersPhi35EndingAFinishedConversationWithEos() {
        ChatTemplate template = template("phi-3.5-mini-instruct");
        assertThat(template.render(SINGLE, true)).isEqualTo("<|user|>\nHello, how are you?<|end|>\n<|assistant|>\n");
        assertThat(template.render(MULTI, false)).isEqualTo(
                "<|system|>\nYou are a pirate.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nArr!<|end|>\n"
                        + "<|user|>\n  Where is the {{ treasure }}?  <|end|>\n<|endoftext|>");
    }

    @Test
    void reportsATemplateThatCannotBeRendered() {
        ChatTemplate broken = new ChatTemplate("{% for message in messages %}{{ message.content }}", null, null);
        assertThatThrownBy(() -> broken.render(SINGLE, true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chat template cannot be rendered")
                .hasMessageContaining("endfor");
    }

    @Test
    void dropsOneTrailingNewlineOfTheTemplateAsJinja2Does() {
        assertThat(new ChatTemplate("{{ messages[0].content }}\n", null, null).render(SINGLE, false))
                .isEqualTo("Hello, how are you?");
        assertThat(new ChatTemplate("{{ messages[0].content }}\n\n", null, null).render(SINGLE, false))
                .isEqualTo("Hello, how are you?\n");
    }

    private static ChatTemplate template(String model) {
        TokenizerConfig config = TokenizerConfig.read(resourceDir(model));
        assertThat(config.chatTemplate()).isNotBlank();
        return new ChatTemplate(config.chatTemplate(), config.bosToken(), config.eosToken());
    }

    static Path resourceDir(String model) {
        try {
            return Path.of(ChatTemplateTest.class.getResource("/chat-templates/" + model).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
