package io.flinfer.bench;

/**
 * One benchmark request: its prompt, exactly how many tokens it must generate (EOS is ignored), and
 * the LoRA adapter it runs with (null: the base model).
 */
public record BenchRequest(String id, int[] promptIds, int outputLen, String lora) {
    public BenchRequest(String id, int[] promptIds, int outputLen) {
        this(id, promptIds, outputLen, null);
    }

    public BenchRequest withLora(String adapter) {
        return new BenchRequest(id, promptIds, outputLen, adapter);
    }
}
