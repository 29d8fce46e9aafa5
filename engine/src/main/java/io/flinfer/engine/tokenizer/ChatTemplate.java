package io.flinfer.engine.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template (Jinja) rendered with Jinjava the way transformers' {@code apply_chat_template}
 * renders it: blocks trimmed and left-stripped, one trailing newline of the template dropped, variables
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and the function
 * {@code raise_exception}. Thread-safe.
 */
public final class ChatTemplate {
    private final String source;
    private final Map<String, Object> tokens = new HashMap<>();
    private final Jinjava jinjava;

    /** bosToken and eosToken may be null; a template that uses one then renders it as empty text. */
    public ChatTemplate(String source, String bosToken, String eosToken) {
        Objects.requireNonNull(source, "source");
        // Jinja2, as transformers configures it, drops a single trailing newline of the template source.
        this.source = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        if (bosToken != null) {
            tokens.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            tokens.put("eos_token", eosToken);
        }
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // Message text is data: "{{ ... }}" typed by a user must never be evaluated.
                .withNestedInterpretationEnabled(false)
                // Jinja2's behaviour where Jinjava's default differs: "{{-" trims the whitespace before it,
                // dict literal keys are expressions, iterating a dict gives its keys, lists print as Python's.
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .build();
        jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    }

    /**
     * Renders the conversation into the model's prompt text. The text already holds the special tokens the
     * template writes (often BOS), so tokenize it without adding special tokens again.
     *
     * @throws IllegalArgumentException when the template rejects the conversation (raise_exception)
     * @throws IllegalStateException when the template itself cannot be rendered
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> bindings = new HashMap<>(tokens);
        bindings.put("messages", messages.stream().map(ChatTemplate::asMap).toList());
        bindings.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = jinjava.renderForResult(source, bindings);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error);
            }
        }
        return result.getOutput();
    }

    /** Templates read a message as a dict; content may be null (an assistant turn that only calls tools). */
    private static Map<String, Object> asMap(ChatMessage message) {
        Map<String, Object> map = new HashMap<>();
        map.put("role", message.role());
        map.put("content", message.content());
        return map;
    }

    /** Called by templates as {@code raise_exception('message')}; Jinjava reports it as a fatal error. */
    public static String raiseException(String message) {
        throw new TemplateRaisedException(message);
    }

    private static RuntimeException failure(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateRaisedException raised) {
                return new IllegalArgumentException(
                        "The chat template rejected the messages: " + raised.getMessage(), raised);
            }
        }
        return new IllegalStateException("The chat template cannot be rendered (line " + error.getLineno()
                + ", " + error.getFieldName() + "): " + error.getMessage(), error.getException());
    }

    private static final class TemplateRaisedException extends RuntimeException {
        TemplateRaisedException(String message) {
            super(message);
        }
    }
}
