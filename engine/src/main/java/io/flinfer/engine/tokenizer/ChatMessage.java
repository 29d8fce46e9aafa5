package io.flinfer.engine.tokenizer;

public record ChatMessage(String role, String content) {}
