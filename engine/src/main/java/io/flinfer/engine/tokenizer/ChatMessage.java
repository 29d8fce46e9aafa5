package io.flinfer.engine.tokenizer;

/** One message of a chat conversation. */
public record ChatMessage(String role, String content) {}
