package io.flinfer.bench;

/** One benchmark request: its prompt and exactly how many tokens it must generate (EOS is ignored). */
public record BenchRequest(String id, int[] promptIds, int outputLen) {}
